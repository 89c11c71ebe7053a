// The library's two error types and the one place every error message is built.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <version>

namespace ketasim {

/// Thrown for bad user input: a model parameter, a dose, a route, output times.
/// Derives from std::invalid_argument, so pybind11 turns it into Python's ValueError.
/// Message shape: "<where>: <field> must be <condition>, got <value> [unit]".
class InvalidInput : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Thrown when a numerical method fails on valid input (e.g. the ODE step limit is reached).
class SolverError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// The text std::to_chars gives for a double, built from printf and strtod, for standard
/// libraries without the floating-point to_chars (Emscripten's libc++ 14): the fewest significant
/// digits that read back to the same double, in fixed or scientific notation, whichever is
/// shorter (fixed on a tie). Assumes the "C" locale's decimal point, as the library's messages do.
inline std::string format_value_printf(double v) {
  if (std::isnan(v)) return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v)) return v < 0.0 ? "-inf" : "inf";
  char sci[48], fixed[400];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
    if (std::strtod(sci, nullptr) == v) break;
  }
  std::snprintf(sci, sizeof sci, "%.*e", digits - 1, v);
  const char* e = sci;
  while (*e != 'e') ++e;
  const int exp10 = std::atoi(e + 1);
  const int decimals = digits - 1 - exp10 > 0 ? digits - 1 - exp10 : 0;
  std::snprintf(fixed, sizeof fixed, "%.*f", decimals, v);
  const std::string f(fixed), s(sci);
  return f.size() <= s.size() ? f : s;
}

/// Shortest round-trip text for a double ("-1.2", "nan", "inf").
inline std::string format_value(double v) {
#if defined(__cpp_lib_to_chars)
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
#else
  return format_value_printf(v);
#endif
}
inline std::string format_value(std::string_view v) {
  std::string out;
  out.reserve(v.size() + 2);
  out.push_back('"');
  out.append(v);
  out.push_back('"');
  return out;
}
inline std::string format_value(const char* v) { return format_value(std::string_view(v)); }
inline std::string format_value(const std::string& v) { return format_value(std::string_view(v)); }
template <class T, std::enable_if_t<std::is_integral_v<T>, int> = 0>
inline std::string format_value(T v) {
  return std::to_string(v);
}

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_invalid(const std::string& message) {
  throw InvalidInput(message);
}

/// "<where>: <field> must be <condition>, got <value>[ unit]"
template <class V>
[[noreturn, gnu::cold, gnu::noinline]] void fail(std::string_view where, std::string_view field,
                                                 std::string_view condition, const V& value,
                                                 std::string_view unit = {}) {
  std::string msg;
  msg.reserve(96);
  msg.append(where).append(": ").append(field).append(" must be ").append(condition);
  msg.append(", got ").append(format_value(value));
  if (!unit.empty()) msg.append(" ").append(unit);
  throw_invalid(msg);
}

}  // namespace detail
}  // namespace ketasim

/// Always-on check of user input; on failure throws ketasim::InvalidInput with the standard shape.
#define KETASIM_CHECK(cond, where, field, condition, value, ...)                                 \
  do {                                                                                           \
    if (!(cond)) [[unlikely]]                                                                    \
      ::ketasim::detail::fail((where), (field), (condition), (value)__VA_OPT__(, ) __VA_ARGS__); \
  } while (0)

/// Internal invariant, compiled out under NDEBUG.
#ifdef NDEBUG
#define KETASIM_ASSERT(cond) ((void)0)
#else
#include <cassert>
#define KETASIM_ASSERT(cond) assert(cond)
#endif
