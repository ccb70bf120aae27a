#include "infofrag/core/lists.hpp"

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"

namespace infofrag {

namespace {

template <typename T, typename Parse>
std::vector<T> parse_list(const std::string& text, const std::string& option, Parse parse) {
  std::vector<T> values;
  if (text.empty()) return values;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    size_t used = 0;
    try {
      values.push_back(parse(item, &used));
    } catch (const std::exception&) {
      used = 0;
    }
    while (used < item.size() && std::isspace(static_cast<unsigned char>(item[used]))) ++used;
    if (used == 0 || used != item.size()) {
      throw ConfigError(option + " '" + text + "': '" + item + "' is not a number");
    }
  }
  return values;
}

/// A decimal integer with nothing else around it (no sign, no spaces), or -1.
int64_t parse_count(const std::string& text) {
  if (text.empty() || text.size() > 18) return -1;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
  }
  return std::strtoll(text.c_str(), nullptr, 10);
}

}  // namespace

std::vector<int64_t> parse_int_list(const std::string& text, const std::string& option) {
  return parse_list<int64_t>(text, option, [](const std::string& s, size_t* used) {
    return static_cast<int64_t>(std::stoll(s, used));
  });
}

std::vector<double> parse_double_list(const std::string& text, const std::string& option) {
  return parse_list<double>(text, option,
                            [](const std::string& s, size_t* used) { return std::stod(s, used); });
}

IndexList parse_index_ranges(const std::string& text, const std::string& option) {
  const std::string context = option + " '" + text + "'";
  IndexList list;
  list.text = text;
  const std::vector<std::string> pieces = split_list(text);
  if (pieces.size() == 1 && pieces[0].empty()) throw ConfigError(context + ": no indices given");
  for (const std::string& piece : pieces) {
    if (piece.empty()) throw ConfigError(context + ": has an empty item between commas");
    // a, a:b (a..b-1) or a:b:s (a, a+s, ... below b).
    std::vector<std::string> parts;
    for (size_t from = 0;;) {
      const size_t colon = piece.find(':', from);
      parts.push_back(trim(piece.substr(from, colon == std::string::npos ? colon : colon - from)));
      if (colon == std::string::npos) break;
      from = colon + 1;
    }
    if (parts.size() > 3) {
      throw ConfigError(context + ": '" + piece + "' has more than two colons (a:b or a:b:step)");
    }
    for (const std::string& number : parts) {
      if (!number.empty() && number[0] == '-' && parse_count(number.substr(1)) >= 0) {
        throw ConfigError(context + ": '" + piece + "' is negative; indices start at 0");
      }
      if (parse_count(number) < 0) {
        throw ConfigError(context + ": '" + piece +
                          "' is not an index, a range a:b or a:b:step of non-negative integers");
      }
    }
    IndexList::Range range;
    range.begin = parse_count(parts[0]);
    range.end = parts.size() == 1 ? range.begin + 1 : parse_count(parts[1]);
    range.step = parts.size() == 3 ? parse_count(parts[2]) : 1;
    range.piece = piece;
    if (range.step < 1) throw ConfigError(context + ": '" + piece + "' has step 0; steps are >= 1");
    if (range.end <= range.begin) {
      throw ConfigError(context + ": range '" + piece + "' is empty (a:b means a, ..., b-1)");
    }
    list.ranges.push_back(range);
  }
  return list;
}

std::vector<int64_t> expand(const IndexList& list, int64_t size, const std::string& option) {
  std::vector<int64_t> indices;
  for (const IndexList::Range& r : list.ranges) {
    if (r.end > size) {
      throw ConfigError(option + " '" + list.text + "': '" + r.piece +
                        "' reaches past the last item; the dataset has " + std::to_string(size) +
                        " items (0.." + std::to_string(size - 1) + ")");
    }
    for (int64_t i = r.begin; i < r.end; i += r.step) indices.push_back(i);
  }
  return indices;
}

std::vector<int64_t> parse_index_list(const std::string& text, int64_t size,
                                      const std::string& option) {
  return expand(parse_index_ranges(text, option), size, option);
}

namespace fields {

IndexList Traits<IndexList>::parse(const std::string& text) {
  if (trim(text).empty()) return {};
  try {
    return parse_index_ranges(text, "");
  } catch (const ConfigError& e) {
    // The reason after " 'text': ".
    const std::string what = e.what();
    const size_t colon = what.find("': ");
    throw BadValue(colon == std::string::npos ? what : what.substr(colon + 3));
  }
}

}  // namespace fields

}  // namespace infofrag
