#pragma once

#include <string>
#include <vector>

namespace infofrag {

/// `text` without leading and trailing whitespace.
std::string trim(const std::string& text);

/// The items of a comma-separated option value, each trimmed, empty ones kept ("a, ,b" gives
/// {"a", "", "b"}; "" gives {""}), so that callers can name an empty entry in their errors.
std::vector<std::string> split_list(const std::string& text);

/// `value` as a stream prints it (6 significant digits), for messages.
std::string value_string(double value);

}  // namespace infofrag
