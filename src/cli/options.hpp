#pragma once

#include <boost/make_shared.hpp>
#include <boost/program_options.hpp>

#include <set>
#include <string>

#include "infofrag/core/fields.hpp"

namespace infofrag::cli {

namespace po = boost::program_options;

/// A config field as a Boost.Program_options value: the text is parsed by the field's
/// `fields::Traits` when the options are stored, and written into the field on notify.
/// The help shows the field's current (default) value.
template <class T>
class FieldValue : public po::value_semantic {
 public:
  FieldValue(T* field, std::string option, bool flag)
      : field_(field), option_(std::move(option)), flag_(flag) {}
  std::string name() const override {
    if (flag_) return "";
    const std::string value = fields::format(*field_);
    return value.empty() ? "arg" : "arg (=" + value + ")";
  }
  unsigned min_tokens() const override { return flag_ ? 0 : 1; }
  unsigned max_tokens() const override { return flag_ ? 0 : 1; }
  bool is_composing() const override { return false; }
  bool is_required() const override { return false; }
  void parse(boost::any& store, const std::vector<std::string>& tokens, bool) const override {
    if constexpr (std::is_same_v<T, bool>) {
      if (flag_) {
        store = true;
        return;
      }
    }
    store = fields::parse_option<T>(tokens.empty() ? std::string() : tokens.front(), option_);
  }
  bool apply_default(boost::any&) const override { return false; }  // the field keeps it
  void notify(const boost::any& store) const override {
    if (!store.empty()) *field_ = boost::any_cast<T>(store);
  }

 private:
  T* field_;
  std::string option_;
  bool flag_;
};

/// Registers each visited field as an option named prefix + name, bound to the field.
class Binder : public fields::Visitor<Binder> {
 public:
  explicit Binder(po::options_description& options) : options_(options) {}
  template <class T, class... Extras>
  void operator()(T& value, const char* name, const char* help, const Extras&...) {
    const std::string option = prefix_ + name;
    constexpr bool is_flag = fields::has_tag<fields::Flag, Extras...>();
    // Sectioned options are named as in an INI file ("analyze.dtype"), others as on the
    // command line ("--dtype").
    const std::string shown = option.find('.') == std::string::npos ? "--" + option : option;
    options_.add(boost::make_shared<po::option_description>(
        option.c_str(), new FieldValue<T>(&value, shown, is_flag), help));
  }

 private:
  po::options_description& options_;
};

/// Parses a subcommand's arguments (argv[0] is the subcommand) into the fields bound in
/// `options`, adding --help and --config. A --config INI file supplies any option, either at
/// top level or in a section named after the subcommand ([analyze]); sections in
/// `known_sections` that this command does not read belong to other stages and are
/// ignored, so one file can configure a whole pipeline; any other section is an error. The
/// command line wins over the file. Returns false when --help was given (usage is printed to
/// stdout). Throws ConfigError for unknown options, bad values, extra arguments, or a config
/// file that is missing, a folder, or unreadable.
bool parse(int argc, char** argv, const std::string& command, const std::string& summary,
           po::options_description& options, const std::set<std::string>& known_sections = {});

}  // namespace infofrag::cli
