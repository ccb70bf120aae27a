#pragma once

#include <string>
#include <vector>

namespace infofrag {

/// `text` without leading and trailing whitespace.
std::string trim(const std::string& text);

/// The items of a comma-separated option value, each trimmed, empty ones kept ("a, ,b" gives
/// {"a", "", "b"}; "" gives {""}), so that callers can name an empty entry in their errors.
std::vector<std::string> split_list(const std::string& text);

/// `text` fit for a one-line message on a terminal: control characters, DEL and bytes that are
/// not valid UTF-8 become escapes ("\n", "\x1b"), and text beyond `max_bytes` is cut
/// ("... (N more bytes)"), so that a binary file quoted in an error prints no garbage.
std::string printable(const std::string& text, size_t max_bytes = 1000);

/// `value` as a stream prints it (6 significant digits), for messages.
std::string value_string(double value);

}  // namespace infofrag
