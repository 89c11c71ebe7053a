// Shared by the binding files: the bind_<concept>(m) declarations that module.cpp calls, the
// helpers that hand C++ memory to NumPy without copying, and the one set of argument converters
// (Arg<T>, as_*) that turn Python values into C++ ones with errors naming the field.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ketasim/error.hpp"

namespace py = pybind11;

namespace ketasim::python {

void bind_errors(py::module_& m);
void bind_model(py::module_& m);
void bind_regimen(py::module_& m);
void bind_simulate(py::module_& m);
void bind_onset(py::module_& m);
void bind_models(py::module_& m);
void bind_population(py::module_& m);
void bind_events(py::module_& m);
void bind_tci(py::module_& m);

/// A read-only 1-D float64 NumPy view of n doubles (stride in bytes) that keeps `base` alive.
inline py::array view(const double* data, py::ssize_t n, py::ssize_t stride_bytes,
                      py::handle base) {
  py::array a(py::dtype::of<double>(), {n}, {stride_bytes}, const_cast<double*>(data), base);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

/// A read-only 2-D float64 NumPy view (rows x cols, strides in bytes) that keeps `base` alive.
inline py::array view(const double* data, py::ssize_t rows, py::ssize_t cols,
                      py::ssize_t row_stride_bytes, py::ssize_t col_stride_bytes, py::handle base) {
  py::array a(py::dtype::of<double>(), {rows, cols}, {row_stride_bytes, col_stride_bytes},
              const_cast<double*>(data), base);
  a.attr("setflags")(py::arg("write") = false);
  return a;
}

/// Moves a vector into a 1-D float64 NumPy array that owns it (no element copy).
/// A float, or None for an empty optional.
inline py::object float_or_none(const std::optional<double>& v) {
  return v ? py::object(py::float_(*v)) : py::object(py::none());
}

inline py::array to_numpy(std::vector<double>&& v) {
  auto* owned = new std::vector<double>(std::move(v));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array(py::dtype::of<double>(), {static_cast<py::ssize_t>(owned->size())},
                   {static_cast<py::ssize_t>(sizeof(double))}, owned->data(), free_when_done);
}

// ------------------------------------------------------------------------------------------------
// Argument conversion: every public binding argument that is a number, an int, a bool, a string
// or an array is declared as Arg<T> (shown as T in signatures; pybind11 never rejects it) and
// converted by one of the as_* functions below, which name the function and the field. NumPy's
// rule: TypeError for a wrong type (a bool is not a number, a float is not an int), ValueError
// (ketasim::InvalidInput) for a value the C++ type cannot hold (2**31 for an int, 10**400 for a
// double). Validation of values stays in C++; these only convert types.
// ------------------------------------------------------------------------------------------------

/// Most output times a call may ask for (the scenario loader's cap too: ketasim._core.MAX_TIMES).
inline constexpr py::ssize_t kMaxTimes = 10'000'000;

/// A Python argument held as given, converted when the binding names its field.
template <class T>
struct Arg {
  py::object value;
  operator py::handle() const { return value; }  // NOLINT(google-explicit-constructor)
};

/// repr() of a Python value for "got ...", at most 80 characters (a 400-digit int stays
/// readable; a value whose repr fails is named by its type).
inline std::string repr_of(py::handle value) {
  std::string text;
  try {
    text = py::repr(value).cast<std::string>();
  } catch (const py::error_already_set&) {
    text = "a " + py::str(py::type::handle_of(value).attr("__name__")).cast<std::string>() +
           " that cannot be printed";
  }
  if (text.size() > 80) text = text.substr(0, 77) + "...";
  return text;
}

/// Throws TypeError "<where>: <field> must be <what>, got <repr>".
[[noreturn]] inline void type_error(std::string_view where, std::string_view field,
                                    std::string_view what, py::handle got) {
  std::string msg;
  msg.append(where).append(": ").append(field).append(" must be ").append(what);
  msg.append(", got ").append(repr_of(got));
  throw py::type_error(msg);
}

/// Throws ketasim::InvalidInput (ValueError) shaped "<where>: <field> must be <condition>, got
/// <got>", with `got` written as is (a repr, or "nothing" for a missing value).
[[noreturn]] inline void fail_got(std::string_view where, std::string_view field,
                                  std::string_view condition, std::string_view got) {
  std::string msg;
  msg.append(where).append(": ").append(field).append(" must be ").append(condition);
  msg.append(", got ").append(got);
  ketasim::detail::throw_invalid(msg);
}

/// Python's bool or NumPy's bool_ (neither is a number here).
inline bool is_bool(py::handle v) {
  if (PyBool_Check(v.ptr())) return true;
  static const py::handle np_bool =
      py::object(py::module_::import("numpy").attr("bool_")).release();
  return py::isinstance(v, np_bool);
}

/// NumPy's dtype kind of a NumPy scalar or array ('f', 'i', 'u', 'b', 'c', ...), or 0.
inline char numpy_kind(py::handle v) {
  static const py::handle generic =
      py::object(py::module_::import("numpy").attr("generic")).release();
  if (py::isinstance<py::array>(v)) return py::reinterpret_borrow<py::array>(v).dtype().kind();
  if (py::isinstance(v, generic)) return v.attr("dtype").attr("kind").cast<std::string>()[0];
  return 0;
}

/// A real number as a double: float, int (not bool), NumPy real scalar, 0-d real array, or any
/// object with __float__ (Fraction, Decimal). TypeError otherwise; ValueError for an int too
/// large for a double.
inline double as_double(py::handle v, std::string_view where, std::string_view field) {
  constexpr std::string_view what = "a real number";
  if (PyFloat_Check(v.ptr())) return PyFloat_AS_DOUBLE(v.ptr());
  if (is_bool(v) || PyComplex_Check(v.ptr()) || PyUnicode_Check(v.ptr()) || PyBytes_Check(v.ptr()))
    type_error(where, field, what, v);
  if (PyLong_Check(v.ptr())) {
    const double d = PyLong_AsDouble(v.ptr());
    if (d == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      fail_got(where, field, "representable as a double (magnitude <= 1.8e308)", repr_of(v));
    }
    return d;
  }
  if (const char kind = numpy_kind(v); kind != 0) {
    if ((kind != 'f' && kind != 'i' && kind != 'u') ||
        (py::isinstance<py::array>(v) && py::reinterpret_borrow<py::array>(v).ndim() != 0))
      type_error(where, field, what, v);
  }
  if (v.ptr() == nullptr || Py_TYPE(v.ptr())->tp_as_number == nullptr ||
      Py_TYPE(v.ptr())->tp_as_number->nb_float == nullptr)
    type_error(where, field, what, v);
  PyObject* f = PyNumber_Float(v.ptr());
  if (f == nullptr) {
    const bool overflow = PyErr_ExceptionMatches(PyExc_OverflowError);
    PyErr_Clear();
    if (overflow)
      fail_got(where, field, "representable as a double (magnitude <= 1.8e308)", repr_of(v));
    type_error(where, field, what, v);
  }
  const double d = PyFloat_AS_DOUBLE(f);
  Py_DECREF(f);
  return d;
}

inline double as_double(const Arg<double>& a, std::string_view where, std::string_view field) {
  return as_double(a.value, where, field);
}

/// None as nullopt, anything else as as_double.
inline std::optional<double> as_optional_double(const Arg<std::optional<double>>& a,
                                                std::string_view where, std::string_view field) {
  if (a.value.is_none()) return std::nullopt;
  return as_double(a.value, where, field);
}

/// An integer of C++ type Int: int or NumPy integer (anything with __index__ but bool).
/// TypeError for floats, bools and the rest; ValueError outside Int's range.
template <class Int>
Int as_int(py::handle v, std::string_view where, std::string_view field) {
  if (is_bool(v) || PyFloat_Check(v.ptr()) || !PyIndex_Check(v.ptr()))
    type_error(where, field, "an int", v);
  PyObject* i = PyNumber_Index(v.ptr());
  if (i == nullptr) {
    PyErr_Clear();
    type_error(where, field, "an int", v);
  }
  const auto index = py::reinterpret_steal<py::int_>(i);
  const py::int_ lo(std::numeric_limits<Int>::min()), hi(std::numeric_limits<Int>::max());
  if (index < lo)
    fail_got(where, field, ">= " + std::to_string(std::numeric_limits<Int>::min()), repr_of(v));
  if (index > hi)
    fail_got(where, field, "<= " + std::to_string(std::numeric_limits<Int>::max()), repr_of(v));
  return index.cast<Int>();
}

template <class Int>
Int as_int(const Arg<Int>& a, std::string_view where, std::string_view field) {
  return as_int<Int>(a.value, where, field);
}

/// True or False (Python's or NumPy's); TypeError for anything else (1, "yes", None).
inline bool as_bool(const Arg<bool>& a, std::string_view where, std::string_view field) {
  if (!is_bool(a.value)) type_error(where, field, "a bool (True or False)", a.value);
  return PyObject_IsTrue(a.value.ptr()) == 1;
}

/// A str as UTF-8; TypeError for anything else, ValueError for text that is not valid Unicode
/// (a lone surrogate such as "\ud800").
inline std::string as_str(py::handle v, std::string_view where, std::string_view field) {
  if (!PyUnicode_Check(v.ptr())) type_error(where, field, "a str", v);
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(v.ptr(), &size);
  if (utf8 == nullptr || size < 0) {
    PyErr_Clear();
    fail_got(where, field, "valid Unicode text (no lone surrogates)", repr_of(v));
  }
  return {utf8, static_cast<std::size_t>(size)};
}

inline std::string as_str(const Arg<std::string>& a, std::string_view where,
                          std::string_view field) {
  return as_str(a.value, where, field);
}

/// None as nullopt, anything else as as_str.
inline std::optional<std::string> as_optional_str(const Arg<std::optional<std::string>>& a,
                                                  std::string_view where, std::string_view field) {
  if (a.value.is_none()) return std::nullopt;
  return as_str(a.value, where, field);
}

/// A contiguous float64 array of real numbers.
using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// An array of real numbers with `ndim` dimensions from any array-like (list, tuple, NumPy array
/// of any real dtype and strides; no copy when it already is a contiguous float64 array).
/// TypeError for strings, non-real dtypes (bool, complex, object, str) and what NumPy cannot
/// read as an array; ValueError for the wrong number of dimensions.
inline Doubles as_doubles(py::handle v, std::string_view where, std::string_view field,
                          py::ssize_t ndim = 1) {
  const std::string shape_name = ndim == 1
                                     ? "a 1-D array of real numbers"
                                     : "a " + std::to_string(ndim) + "-D array of real numbers";
  if (v.is_none() || PyUnicode_Check(v.ptr()) || PyBytes_Check(v.ptr()))
    type_error(where, field, shape_name, v);
  py::array a;
  try {
    static const py::handle asarray =
        py::object(py::module_::import("numpy").attr("asarray")).release();
    a = asarray(v);
  } catch (const py::error_already_set&) {
    type_error(where, field, shape_name, v);
  }
  const char kind = a.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u') {
    std::string msg;
    msg.append(where).append(": ").append(field).append(" must be ").append(shape_name);
    msg.append(", got an array of dtype ").append(py::str(a.dtype()).cast<std::string>());
    throw py::type_error(msg);
  }
  if (a.ndim() != ndim) {
    std::string shape = "an array of shape (";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) {
      if (i > 0) shape += ", ";
      shape += std::to_string(a.shape(i));
    }
    shape += a.ndim() == 1 ? ",)" : ")";
    fail_got(where, field, std::to_string(ndim) + "-D", shape);
  }
  return Doubles::ensure(a);
}

/// Output times (min) as a contiguous float64 array of at most kMaxTimes entries (their values
/// are checked in C++).
inline Doubles as_times(py::handle v, std::string_view where,
                        std::string_view field = "times_min") {
  Doubles t = as_doubles(v, where, field);
  if (t.size() > kMaxTimes)
    fail_got(where, field, "at most " + std::to_string(kMaxTimes) + " times",
             std::to_string(t.size()) + " times");
  return t;
}

/// A 1-D array of real numbers as a vector.
inline std::vector<double> as_vector(py::handle v, std::string_view where, std::string_view field) {
  const Doubles a = as_doubles(v, where, field);
  return {a.data(), a.data() + a.size()};
}

}  // namespace ketasim::python

namespace pybind11::detail {

/// Arg<T> accepts any Python object (conversion happens in the binding, naming the field) and
/// shows as T in signatures and docstrings.
template <class T>
struct type_caster<ketasim::python::Arg<T>> {
  PYBIND11_TYPE_CASTER(ketasim::python::Arg<T>, make_caster<T>::name);
  bool load(handle src, bool) {
    value.value = reinterpret_borrow<object>(src);
    return true;
  }
  static handle cast(const ketasim::python::Arg<T>& a, return_value_policy, handle) {
    return a.value.inc_ref();
  }
};

}  // namespace pybind11::detail
