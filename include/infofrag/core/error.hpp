#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace infofrag {

/// Base of every error a user can cause (bad file, bad option). Internal invariants use
/// TORCH_CHECK instead. `main` is the only place that catches these.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file is missing, unreadable, or its content is invalid. Messages name the file, the
/// dataset and the offending value.
class InputError : public Error {
 public:
  using Error::Error;
};

/// An option or config value is invalid. Messages name the option and the value.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// "[a, b, c]" for a shape, as used in error messages.
std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace infofrag
