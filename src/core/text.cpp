#include "infofrag/core/text.hpp"

#include <cctype>
#include <sstream>

namespace infofrag {

std::string trim(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  size_t start = 0;
  for (size_t comma = text.find(','); comma != std::string::npos; comma = text.find(',', start)) {
    items.push_back(trim(text.substr(start, comma - start)));
    start = comma + 1;
  }
  items.push_back(trim(text.substr(start)));
  return items;
}

std::string value_string(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace infofrag
