#pragma once

#include <boost/program_options.hpp>

#include <string>

namespace infofrag::cli {

namespace po = boost::program_options;

/// Parses a subcommand's arguments (argv[0] is the subcommand) into the fields bound in
/// `options`, adding --help and --config. A --config INI file supplies any option, either at
/// top level or in a section named after the subcommand ([analyze]); sections of other
/// subcommands are ignored, so one file can configure a whole pipeline. The command line
/// wins over the file. Returns false when --help was given (usage is printed to stdout).
/// Throws ConfigError for unknown options, bad values, or an unreadable config file.
bool parse(int argc, char** argv, const std::string& command, const std::string& summary,
           po::options_description& options);

}  // namespace infofrag::cli
