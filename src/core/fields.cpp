#include "infofrag/core/fields.hpp"

#include <sstream>

namespace infofrag::fields {

std::map<std::string, std::string> parse_ini(const std::string& text, const std::string& source) {
  std::map<std::string, std::string> values;
  std::istringstream stream(text);
  std::string line, section;
  for (int number = 1; std::getline(stream, line); ++number) {
    // As Boost's config-file parser (the CLI's) reads it: '#' starts a comment anywhere.
    const std::string t = trim(line.substr(0, line.find('#')));
    if (t.empty() || t[0] == ';') continue;
    const std::string where = source + ":" + std::to_string(number);
    if (t.front() == '[') {
      if (t.back() != ']' || t.size() < 3) throw ConfigError(where + ": bad section '" + t + "'");
      section = trim(t.substr(1, t.size() - 2));
      continue;
    }
    const size_t equals = t.find('=');
    if (equals == std::string::npos || trim(t.substr(0, equals)).empty()) {
      throw ConfigError(where + ": '" + t + "' is not 'key = value'");
    }
    const std::string key = (section.empty() ? "" : section + ".") + trim(t.substr(0, equals));
    if (!values.emplace(key, trim(t.substr(equals + 1))).second) {
      throw ConfigError(where + ": '" + key + "' is given twice");
    }
  }
  return values;
}

}  // namespace infofrag::fields
