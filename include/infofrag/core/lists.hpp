#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "infofrag/core/fields.hpp"

namespace infofrag {

/// Parses "3,6,10" into integers ("" gives none); throws ConfigError naming `option` on a
/// bad list.
std::vector<int64_t> parse_int_list(const std::string& text, const std::string& option);
/// Parses "0.1,0.2" into numbers ("" gives none); throws ConfigError naming `option` on a
/// bad list.
std::vector<double> parse_double_list(const std::string& text, const std::string& option);

/// Parses an index list such as "0,5,100:200,0:1000:10" (a:b is a..b-1, a:b:s steps by s)
/// against a sequence of `size` items; throws ConfigError naming `option` and the bad piece.
std::vector<int64_t> parse_index_list(const std::string& text, int64_t size,
                                      const std::string& option = "indices");

/// An index list as given ("0,5,100:200,0:1000:10"), parsed once at the boundary: each item
/// a range a, a+step, ... below end. Checked against a sequence's size by `expand`.
struct IndexList {
  struct Range {
    int64_t begin = 0, end = 0, step = 1;
    std::string piece;  ///< as given
  };
  std::vector<Range> ranges;
  std::string text;  ///< as given, for messages
  bool empty() const { return ranges.empty(); }
  bool operator==(const IndexList& other) const { return text == other.text; }
};

/// Parses an index list's syntax; ConfigError naming `option` and the bad piece.
IndexList parse_index_ranges(const std::string& text, const std::string& option);
/// The indices of `list` in a sequence of `size` items; ConfigError naming `option` for an
/// item past the end.
std::vector<int64_t> expand(const IndexList& list, int64_t size, const std::string& option);

namespace fields {
template <>
struct Traits<IndexList> {
  static IndexList parse(const std::string& text);
  static std::string format(const IndexList& list) { return list.text; }
};
}  // namespace fields

}  // namespace infofrag
