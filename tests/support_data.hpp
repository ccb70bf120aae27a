#pragma once

#include <memory>
#include <string>

#include "infofrag/data/dataset.hpp"

namespace infofrag::test {

/// The dataset `kind` (read from `path` where it has a file), with every other option at its
/// default.
inline std::unique_ptr<data::Dataset> open_dataset_of(data::DatasetKind kind,
                                                      const std::string& path = "") {
  data::DataConfig c;
  c.dataset = kind;
  c.path = path;
  return data::open_dataset(c);
}

}  // namespace infofrag::test
