#pragma once

// One declaration per option. A config struct keeps its defaults as in-class initializers and
// lists its fields once, in a member template that visitors walk:
//
//   template <class V> void fields(V& v) {
//     v(memory_budget_mb, "memory-budget-mb", "working memory of one tile (MiB)", at_least(1));
//   }
//
// From that list come the command-line and INI options (src/cli/), validation
// (`fields::check`), the INI text of a config (`fields::ini_text`, the ensemble's config.ini
// and the provenance attribute of output files) and attributes of member files
// (`fields::attrs`, `fields::read_attrs`). Values cross the text boundary through
// `fields::Traits<T>` (parse and format), so stages take typed values and never parse strings.
// Sub-configs are sections (`v.section("model", model)`); a group of a struct's own fields
// under a section name is `v.group("train", [&](auto& g) { ... })`.

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "infofrag/core/error.hpp"
#include "infofrag/core/text.hpp"

namespace infofrag {

/// One named value of an enum option. An enum E becomes an option type by a table
/// `const std::vector<Choice<E>>& field_choices(E)` in its own namespace (found by ADL).
template <class E>
struct Choice {
  E value;
  const char* name;
};

namespace fields {

/// A value that does not parse; the message is the reason ("is not a number"), without the
/// option, which the caller adds.
class BadValue : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The shortest text that reads back as the same double ("0.0001", "1e-05", "inf").
inline std::string format_double(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char text[40];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", value);  // 1000, not 1e+03
    return text;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(text, sizeof text, "%.*g", precision, value);
    if (std::strtod(text, nullptr) == value) break;
  }
  return text;
}

/// Parse and format per value type. Specialize for a new option type (core/device.hpp does).
template <class T, class Enable = void>
struct Traits;

template <>
struct Traits<std::string> {
  static std::string parse(const std::string& text) { return text; }
  static std::string format(const std::string& value) { return value; }
};

template <>
struct Traits<bool> {
  static bool parse(const std::string& text) {
    const std::string t = trim(text);
    if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "0" || t == "no" || t == "off") return false;
    throw BadValue("is not true or false");
  }
  static std::string format(bool value) { return value ? "true" : "false"; }
};

template <class T>
struct Traits<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static T parse(const std::string& text) {
    const std::string t = trim(text);
    if (t.empty()) throw BadValue("is not an integer");
    if (std::is_unsigned_v<T> && t[0] == '-') throw BadValue("must not be negative");
    char* end = nullptr;
    errno = 0;
    const auto value = std::is_unsigned_v<T>
                           ? static_cast<long long>(std::strtoull(t.c_str(), &end, 10))
                           : std::strtoll(t.c_str(), &end, 10);
    if (end != t.c_str() + t.size()) throw BadValue("is not an integer");
    if (errno == ERANGE) throw BadValue("is out of range");
    return static_cast<T>(value);
  }
  static std::string format(T value) { return std::to_string(value); }
};

template <>
struct Traits<double> {
  /// A number, or inf; NaN is never a sensible option value.
  static double parse(const std::string& text) {
    const std::string t = trim(text);
    char* end = nullptr;
    const double value = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || std::isnan(value)) {
      throw BadValue("is not a number");
    }
    return value;
  }
  static std::string format(double value) { return format_double(value); }
};

/// Enums, by the table their module declares (`field_choices`).
template <class E>
struct Traits<E, std::enable_if_t<std::is_enum_v<E>>> {
  static std::string names() {
    const auto& table = field_choices(E{});
    std::string out;
    for (size_t i = 0; i < table.size(); ++i) {
      out += (i == 0 ? "" : i + 1 == table.size() ? " or " : ", ") + std::string(table[i].name);
    }
    return out;
  }
  static E parse(const std::string& text) {
    const std::string t = trim(text);
    for (const auto& choice : field_choices(E{})) {
      if (t == choice.name) return choice.value;
    }
    throw BadValue("is not " + names());
  }
  static std::string format(E value) {
    for (const auto& choice : field_choices(E{})) {
      if (value == choice.value) return choice.name;
    }
    return "?";
  }
};

/// Comma-separated lists: "" is the empty list; an empty item ("3,", "3,,6") is a slip.
template <class T>
struct Traits<std::vector<T>> {
  static std::vector<T> parse(const std::string& text) {
    std::vector<T> values;
    if (trim(text).empty()) return values;
    for (const std::string& item : split_list(text)) {
      if (item.empty()) throw BadValue("has an empty item (a stray comma?)");
      try {
        values.push_back(Traits<T>::parse(item));
      } catch (const BadValue& e) {
        throw BadValue("'" + item + "' " + e.what());
      }
    }
    return values;
  }
  static std::string format(const std::vector<T>& values) {
    std::string out;
    for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + Traits<T>::format(values[i]);
    return out;
  }
};

template <class T>
std::string format(const T& value) {
  return Traits<T>::format(value);
}
template <class T>
T parse(const std::string& text) {
  return Traits<T>::parse(text);
}

/// `option = value` as messages show it: strings quoted, numbers bare.
template <class T>
std::string value_text(const T& value) {
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    return format(value);
  } else {
    return "'" + format(value) + "'";
  }
}

/// Parses `text` as the value of `option`; ConfigError "option = 'text': reason".
template <class T>
T parse_option(const std::string& text, const std::string& option) {
  try {
    return Traits<T>::parse(text);
  } catch (const BadValue& e) {
    throw ConfigError(option + " = '" + text + "': " + e.what());
  }
}

// ---- Checks: a field's last arguments. Each returns "" or why the value is wrong. ----

struct Check {};  ///< base of checks, so that visitors can tell them from tags

/// Applies a scalar check to each item of a list.
template <class Derived>
struct ItemCheck : Check {
  template <class T>
  std::string operator()(const std::vector<T>& values) const {
    for (const T& v : values) {
      std::string why = static_cast<const Derived&>(*this).test(v);
      if (!why.empty()) return (values.size() > 1 ? format(v) + " " : std::string()) + why;
    }
    return "";
  }
  template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
  std::string operator()(const T& value) const {
    return static_cast<const Derived&>(*this).test(value);
  }
};

struct AtLeast : ItemCheck<AtLeast> {
  double min;
  explicit AtLeast(double m) : min(m) {}
  template <class T>
  std::string test(T v) const {
    return static_cast<double>(v) >= min ? "" : "must be at least " + format_double(min);
  }
};
struct AtMost : ItemCheck<AtMost> {
  double max;
  explicit AtMost(double m) : max(m) {}
  template <class T>
  std::string test(T v) const {
    return static_cast<double>(v) <= max ? "" : "must be at most " + format_double(max);
  }
};
struct Below : ItemCheck<Below> {
  double max;
  explicit Below(double m) : max(m) {}
  template <class T>
  std::string test(T v) const {
    return static_cast<double>(v) < max ? "" : "must be below " + format_double(max);
  }
};
struct Positive : ItemCheck<Positive> {
  template <class T>
  std::string test(T v) const {
    return v > 0 ? "" : "must be positive";
  }
};
struct Finite : ItemCheck<Finite> {
  template <class T>
  std::string test(T v) const {
    return std::isfinite(static_cast<double>(v)) ? "" : "must be a finite number";
  }
};
/// A list with at least one item, or a non-empty string (a required path).
struct Required : Check {
  template <class T>
  std::string operator()(const T& value) const {
    return value.empty() ? "is required" : "";
  }
};

inline AtLeast at_least(double min) { return AtLeast(min); }
inline AtMost at_most(double max) { return AtMost(max); }
inline Below below(double max) { return Below(max); }
inline Positive positive() { return {}; }
inline Finite finite() { return {}; }
inline Required required() { return {}; }

// ---- Tags: other per-field facts ----

/// The field's attribute name in member files, when it is not the option name with '_' for
/// '-' (kept for files written before the field tables).
struct Attr {
  const char* name;
};
inline Attr attr(const char* name) { return {name}; }
/// How a stage runs (device, progress bar), not what it computes: not part of the config's
/// INI text, so that changing it never makes a resumed run look like a different one.
struct Runtime {};
inline Runtime runtime() { return {}; }

/// A field added after files were written without it: a member file that lacks its attribute
/// reads as the field's default (which must then be the behaviour of those older files).
struct OlderFilesLack {};
inline OlderFilesLack older_files_lack() { return {}; }

/// A switch given without a value on the command line (--dry-run).
struct Flag {};
inline Flag flag() { return {}; }

/// The `progress` option of every stage with a progress bar, declared once for all of them.
template <class V>
void progress_field(V& v, bool& progress) {
  v(progress, "progress", "progress bar on stderr (true/false)", runtime());
}

// ---- Visitors ----

/// Base of visitors: the dotted prefix of the current section.
template <class Derived>
class Visitor {
 public:
  explicit Visitor(std::string prefix = "") : prefix_(std::move(prefix)) {}
  /// A sub-config whose fields are named "name.<field>" ([name] in an INI file).
  template <class Config>
  void section(const std::string& name, Config& sub) {
    const std::string saved = prefix_;
    prefix_ += name.empty() ? "" : name + ".";
    const_cast<std::remove_const_t<Config>&>(sub).fields(static_cast<Derived&>(*this));
    prefix_ = saved;
  }
  /// A struct's own fields under a section name: body(visitor).
  template <class Body>
  void group(const std::string& name, Body&& body) {
    const std::string saved = prefix_;
    prefix_ += name + ".";
    body(static_cast<Derived&>(*this));
    prefix_ = saved;
  }
  const std::string& prefix() const { return prefix_; }

 protected:
  std::string prefix_;
};

template <class Tag, class... Extras>
constexpr bool has_tag() {
  return (std::is_same_v<Tag, std::decay_t<Extras>> || ...);
}

/// Runs every field's checks; the first failure throws ConfigError
/// "<prefix><name> = <value>: <reason>".
class Checker : public Visitor<Checker> {
 public:
  using Visitor::Visitor;
  template <class T, class... Extras>
  void operator()(const T& value, [[maybe_unused]] const char* name, const char* /*help*/,
                  const Extras&... extras) {
    (run(value, name, extras), ...);
  }

 private:
  template <class T, class X>
  void run(const T& value, const char* name, const X& extra) {
    if constexpr (std::is_base_of_v<Check, X>) {
      const std::string why = extra(value);
      if (why.empty()) return;
      const std::string text = value_text(value);
      throw ConfigError(prefix_ + name + (text == "''" ? " " : " = " + text + ": ") + why);
    }
  }
};

/// Checks `config.fields`; options are named `prefix` + name ("--" for a command line,
/// "analyze." inside `infofrag run`).
template <class Config>
void check(const Config& config, const std::string& prefix) {
  Checker checker(prefix);
  const_cast<Config&>(config).fields(checker);
}

/// Checks `config.files` (the stand-alone command's paths), named `prefix` + name.
template <class Config>
void check_files(const Config& config, const std::string& prefix) {
  Checker checker(prefix);
  const_cast<Config&>(config).files(checker);
}

/// The INI text of a config: a [section] per dotted prefix, "key = value" per field.
class IniWriter : public Visitor<IniWriter> {
 public:
  using Visitor::Visitor;
  template <class T, class... Extras>
  void operator()(const T& value, const char* name, const char* /*help*/, const Extras&...) {
    if constexpr (has_tag<Runtime, Extras...>()) return;
    const std::string full = prefix_ + name;
    const size_t dot = full.rfind('.');
    const std::string section = dot == std::string::npos ? "" : full.substr(0, dot);
    if (section != section_) {
      text_ += (text_.empty() ? "" : "\n") + std::string("[") + section + "]\n";
      section_ = section;
    }
    text_ += full.substr(dot == std::string::npos ? 0 : dot + 1) + " = " + format(value) + "\n";
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_, section_;
};

template <class Config>
std::string ini_text(const Config& config) {
  IniWriter writer;
  const_cast<Config&>(config).fields(writer);
  return writer.text();
}

/// Sets fields from "section.key" → text (as an INI file gives them); ConfigError for a
/// value that does not parse. Keys the config does not have are left in `values`.
class TextReader : public Visitor<TextReader> {
 public:
  TextReader(std::map<std::string, std::string>& values, std::string where)
      : values_(values), where_(std::move(where)) {}
  template <class T, class... Extras>
  void operator()(T& value, const char* name, const char* /*help*/, const Extras&...) {
    const auto found = values_.find(prefix_ + name);
    if (found == values_.end()) return;
    value = parse_option<T>(found->second, where_ + prefix_ + name);
    values_.erase(found);
  }

 private:
  std::map<std::string, std::string>& values_;
  std::string where_;
};

/// Parses INI text ("[section]", "key = value", ";" comment lines, "#" comments to the end of
/// any line, as the CLI's Boost parser) into "section.key" → value. ConfigError naming
/// `source` and the line for anything else.
std::map<std::string, std::string> parse_ini(const std::string& text, const std::string& source);

/// Reads `text` (INI) into `config`'s fields; ConfigError naming `source` for a bad value or
/// a key the config does not have.
template <class Config>
void read_ini(Config& config, const std::string& text, const std::string& source) {
  auto values = parse_ini(text, source);
  TextReader reader(values, source + ": ");
  config.fields(reader);
  if (!values.empty()) {
    throw ConfigError(source + ": unknown key '" + values.begin()->first + "'");
  }
}

/// A field as an attribute value: integers as int64, doubles as double, the rest as text.
using AttrValue = std::variant<int64_t, double, std::string>;

/// Attribute name of a field: the Attr tag's, else the name with '_' for '-'.
template <class... Extras>
std::string attr_name(const char* name, const Extras&... extras) {
  std::string out = name;
  (
      (void)[&] {
        if constexpr (std::is_same_v<std::decay_t<decltype(extras)>, Attr>) out = extras.name;
      }(),
      ...);
  for (char& c : out) c = c == '-' ? '_' : c;
  return out;
}

/// The fields as attributes (member files): name → value.
class AttrWriter : public Visitor<AttrWriter> {
 public:
  template <class T, class... Extras>
  void operator()(const T& value, const char* name, const char* /*help*/, const Extras&... extras) {
    const std::string key = attr_name(name, extras...);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      attrs_.emplace_back(key, static_cast<int64_t>(value));
    } else if constexpr (std::is_floating_point_v<T>) {
      attrs_.emplace_back(key, static_cast<double>(value));
    } else {
      attrs_.emplace_back(key, format(value));
    }
  }
  std::vector<std::pair<std::string, AttrValue>>& attrs() { return attrs_; }

 private:
  std::vector<std::pair<std::string, AttrValue>> attrs_;
};

template <class Config>
std::vector<std::pair<std::string, AttrValue>> attrs(const Config& config) {
  AttrWriter writer;
  const_cast<Config&>(config).fields(writer);
  return std::move(writer.attrs());
}

/// Sets fields from attributes: `read(attr_name)` gives the stored value (a number or a
/// string); text values are parsed as the field's type. ConfigError names `source` and the
/// attribute for a value that does not fit. `has(attr_name)`, when given, says whether the
/// attribute exists: a field tagged older_files_lack() whose attribute is absent keeps its
/// default (every other field is read, and `read` reports an absent one).
class AttrReader : public Visitor<AttrReader> {
 public:
  AttrReader(std::function<AttrValue(const std::string&)> read, std::string source,
             std::function<bool(const std::string&)> has = {})
      : read_(std::move(read)), has_(std::move(has)), source_(std::move(source)) {}
  template <class T, class... Extras>
  void operator()(T& value, const char* name, const char* /*help*/, const Extras&... extras) {
    const std::string key = attr_name(name, extras...);
    if constexpr (has_tag<OlderFilesLack, Extras...>()) {
      if (has_ && !has_(key)) return;
    }
    const AttrValue stored = read_(key);
    if (const auto* text = std::get_if<std::string>(&stored)) {
      try {
        value = Traits<T>::parse(*text);
      } catch (const BadValue& e) {
        throw InputError(source_ + ": attribute '" + key + "' = '" + *text + "' " + e.what());
      }
    } else if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
      const double number = std::visit(
          [](auto v) -> double {
            if constexpr (std::is_arithmetic_v<decltype(v)>) return static_cast<double>(v);
            return 0;
          },
          stored);
      if constexpr (std::is_integral_v<T>) {
        // A count stored as 2.5 or 1e30 is damage, not a value to round.
        if (number != std::floor(number) || std::fabs(number) > 9.0e18) {
          throw InputError(source_ + ": attribute '" + key + "' is " + format_double(number) +
                           ", expected a whole number");
        }
        value = static_cast<T>(std::get_if<int64_t>(&stored) ? std::get<int64_t>(stored)
                                                             : static_cast<int64_t>(number));
      } else {
        value = static_cast<T>(number);
      }
    } else {
      throw InputError(source_ + ": attribute '" + key + "' is a number, expected text");
    }
  }

 private:
  std::function<AttrValue(const std::string&)> read_;
  std::function<bool(const std::string&)> has_;
  std::string source_;
};

template <class Config>
void read_attrs(Config& config, std::function<AttrValue(const std::string&)> read,
                const std::string& source, std::function<bool(const std::string&)> has = {}) {
  AttrReader reader(std::move(read), source, std::move(has));
  config.fields(reader);
}

/// Runs every field's checks on values read from a file; the first failure throws InputError
/// "<source>: attribute '<attr name>' = <value>: <reason>".
class AttrChecker : public Visitor<AttrChecker> {
 public:
  explicit AttrChecker(std::string source) : source_(std::move(source)) {}
  template <class T, class... Extras>
  void operator()(const T& value, [[maybe_unused]] const char* name, const char* /*help*/,
                  const Extras&... extras) {
    (run(value, attr_name(name, extras...), extras), ...);
  }

 private:
  template <class T, class X>
  void run(const T& value, const std::string& key, const X& extra) {
    if constexpr (std::is_base_of_v<Check, X>) {
      const std::string why = extra(value);
      if (why.empty()) return;
      throw InputError(source_ + ": attribute '" + key + "' = " + value_text(value) + ": " + why);
    }
  }
  std::string source_;
};

/// `read_attrs`, then the fields' checks (`AttrChecker`): a file's values obey the same
/// bounds as the options they came from.
template <class Config>
void read_checked_attrs(Config& config, std::function<AttrValue(const std::string&)> read,
                        const std::string& source,
                        std::function<bool(const std::string&)> has = {}) {
  read_attrs(config, std::move(read), source, std::move(has));
  AttrChecker checker(source);
  config.fields(checker);
}

}  // namespace fields
}  // namespace infofrag
