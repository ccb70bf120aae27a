#include "options.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/io/atomic_file.hpp"

namespace infofrag::cli {

namespace {

/// Keeps the file's options that belong to `command`: top-level keys, and keys of the
/// [command] section with the section prefix removed. Unknown keys there are errors.
po::parsed_options options_from_file(const std::string& path, const std::string& command,
                                     const po::options_description& options,
                                     const std::set<std::string>& known_sections) {
  if (std::filesystem::is_directory(path)) {
    throw ConfigError("--config " + path + ": is a folder, not a config file");
  }
  std::ifstream stream(path);
  if (!stream) throw ConfigError("--config " + path + ": cannot open this file");
  po::options_description anything;
  po::parsed_options parsed(&anything);
  try {
    parsed = po::parse_config_file(stream, anything, /*allow_unregistered=*/true);
  } catch (const po::error& e) {
    throw ConfigError("--config " + path + ": " + e.what());
  }
  po::parsed_options kept(&options);
  const std::string prefix = command + ".";
  // Sections this command reads: its own, and those of its dotted options ([data] for
  // data.dataset). Unknown keys there are errors; other stages' sections are theirs.
  std::set<std::string> owned = {command};
  for (const auto& description : options.options()) {
    const std::string& name = description->long_name();
    if (name.find('.') != std::string::npos) owned.insert(name.substr(0, name.find('.')));
  }
  for (po::option& option : parsed.options) {
    std::string key = option.string_key;
    const size_t dot = key.find('.');
    if (dot != std::string::npos && !options.find_nothrow(key, false)) {
      const std::string section = key.substr(0, dot);
      if (!owned.count(section)) {
        if (known_sections.count(section)) continue;  // another stage's section
        throw ConfigError("--config " + path + ": unknown section [" + section + "]");
      }
      if (key.compare(0, prefix.size(), prefix) == 0) key = key.substr(prefix.size());
    }
    if (key == "config" || key == "help" || !options.find_nothrow(key, false)) {
      throw ConfigError("--config " + path + ": unknown option '" + option.string_key +
                        "' for infofrag " + command);
    }
    option.string_key = key;
    option.unregistered = false;
    kept.options.push_back(option);
  }
  return kept;
}

}  // namespace

bool parse(int argc, char** argv, const std::string& command, const std::string& summary,
           po::options_description& options, const std::set<std::string>& known_sections) {
  std::string config_path;
  po::options_description general("General");
  const std::string config_help =
      "INI file with any of these options (top level or in a section [" + command +
      "]); the command line wins";
  general.add_options()("help,h", "show this help")("config", po::value<std::string>(&config_path),
                                                    config_help.c_str());
  po::options_description all;
  all.add(options).add(general);
  // Arguments without an option name are slips ("infofrag analyze a.h5"): collected, then
  // named in the error.
  std::vector<std::string> stray;
  po::options_description hidden;
  hidden.add_options()("stray-argument", po::value(&stray)->multitoken());
  po::options_description everything;
  everything.add(all).add(hidden);
  po::positional_options_description positional;
  positional.add("stray-argument", -1);

  po::variables_map values;
  const po::parsed_options parsed =
      po::command_line_parser(argc, argv).options(everything).positional(positional).run();
  po::store(parsed, values);
  if (values.count("stray-argument")) {
    const auto& extra = values["stray-argument"].as<std::vector<std::string>>();
    throw ConfigError("unexpected argument '" + extra.front() +
                      "': every value follows its option (--name value)");
  }
  if (values.count("help")) {
    std::cout << "usage: infofrag " << command << " [options]\n\n"
              << summary << "\n\n"
              << all << "\n";
    return false;
  }
  if (values.count("config")) {
    const std::string path = values["config"].as<std::string>();
    po::store(options_from_file(path, command, all, known_sections), values);
  }
  po::notify(values);
  // Outputs are checked against the stage's inputs in the library; the config file is the
  // command line's own input.
  if (values.count("config") && values.count("out") &&
      is_same_file(values["out"].as<std::string>(), config_path)) {
    throw ConfigError("--out " + values["out"].as<std::string>() + ": is the input --config " +
                      config_path +
                      "; writing it would destroy the input, give another output path");
  }
  return true;
}

}  // namespace infofrag::cli
