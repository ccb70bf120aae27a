#include "options.hpp"

#include <fstream>
#include <iostream>
#include <set>

#include "infofrag/core/error.hpp"
#include "infofrag/io/atomic_file.hpp"

namespace infofrag::cli {

namespace {

/// Keeps the file's options that belong to `command`: top-level keys, and keys of the
/// [command] section with the section prefix removed. Unknown keys there are errors.
po::parsed_options options_from_file(const std::string& path, const std::string& command,
                                     const po::options_description& options) {
  std::ifstream stream(path);
  if (!stream) throw ConfigError("--config " + path + ": cannot open this file");
  po::options_description anything;
  po::parsed_options parsed = po::parse_config_file(stream, anything, /*allow_unregistered=*/true);
  po::parsed_options kept(&options);
  const std::string prefix = command + ".";
  // Sections this command reads: its own, and those of its dotted options ([data] for
  // data.dataset). Unknown keys there are errors; other sections belong to other stages.
  std::set<std::string> owned = {command};
  for (const auto& description : options.options()) {
    const std::string& name = description->long_name();
    if (name.find('.') != std::string::npos) owned.insert(name.substr(0, name.find('.')));
  }
  for (po::option& option : parsed.options) {
    std::string key = option.string_key;
    const size_t dot = key.find('.');
    if (dot != std::string::npos && !options.find_nothrow(key, false)) {
      if (!owned.count(key.substr(0, dot))) continue;  // another stage's section
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
           po::options_description& options) {
  std::string config_path;
  po::options_description general("General");
  const std::string config_help =
      "INI file with any of these options (top level or in a "
      "section [" +
      command + "]); the command line wins";
  general.add_options()("help,h", "show this help")("config", po::value<std::string>(&config_path),
                                                    config_help.c_str());
  po::options_description all;
  all.add(options).add(general);

  po::variables_map values;
  po::store(po::command_line_parser(argc, argv).options(all).run(), values);
  if (values.count("help")) {
    std::cout << "usage: infofrag " << command << " [options]\n\n"
              << summary << "\n\n"
              << all << "\n";
    return false;
  }
  if (values.count("config")) {
    const std::string path = values["config"].as<std::string>();
    po::store(options_from_file(path, command, all), values);
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
