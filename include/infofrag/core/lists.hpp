#pragma once

#include <cstdint>
#include <string>
#include <vector>

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

}  // namespace infofrag
