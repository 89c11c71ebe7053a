// Shared by the binding files: the bind_<concept>(m) declarations that module.cpp calls, and the
// helpers that hand C++ memory to NumPy without copying and turn Python values into messages.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

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
inline py::array to_numpy(std::vector<double>&& v) {
  auto* owned = new std::vector<double>(std::move(v));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<double>*>(p); });
  return py::array(py::dtype::of<double>(), {static_cast<py::ssize_t>(owned->size())},
                   {static_cast<py::ssize_t>(sizeof(double))}, owned->data(), free_when_done);
}

/// repr() of a Python value, for error messages ("got ...").
inline std::string repr_of(py::handle value) { return py::repr(value).cast<std::string>(); }

/// Throws ketasim::InvalidInput (ValueError) shaped "<where>: <field> must be <condition>, got
/// <got>", with `got` written as is (a repr, or "nothing" for a missing value).
[[noreturn]] inline void fail_got(std::string_view where, std::string_view field,
                                  std::string_view condition, std::string_view got) {
  std::string msg;
  msg.append(where).append(": ").append(field).append(" must be ").append(condition);
  msg.append(", got ").append(got);
  ketasim::detail::throw_invalid(msg);
}

}  // namespace ketasim::python
