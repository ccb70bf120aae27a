#pragma once

#include <string>

namespace infofrag::cli {

/// The path of one of the command's data files (plot_figures.py, figures.ipynb), found
/// relative to the running executable, never through a path compiled in:
///   <folder of the command>/../share/infofrag/<name>   installed (cmake --install)
///   <folder of the command>/share/infofrag/<name>      the build tree
/// Throws ConfigError naming the places looked in when neither exists.
std::string data_file(const std::string& name);

}  // namespace infofrag::cli
