// Fashion-MNIST (Xiao et al. 2017) from the gzipped IDX files of Debian's
// dataset-fashion-mnist package.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <limits>

#include "datasets.hpp"
#include "infofrag/core/error.hpp"

namespace infofrag::data {

namespace {

constexpr const char* kDefaultFolder = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kSide = 28;
constexpr int64_t kClasses = 10;
constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned bytes, 1 dimension

std::string install_hint() {
  return "; Fashion-MNIST comes from the Debian package dataset-fashion-mnist "
         "(apt-get install dataset-fashion-mnist), or give --path a folder holding its four "
         "IDX files";
}

/// An open gzip stream that closes itself.
class GzReader {
 public:
  explicit GzReader(std::string path) : path_(std::move(path)) {
    std::error_code ec;
    if (!std::filesystem::exists(path_, ec))
      throw InputError(path_ + ": no such file" + install_hint());
    file_ = gzopen(path_.c_str(), "rb");
    if (file_ == nullptr) throw InputError(path_ + ": cannot be opened" + install_hint());
  }
  ~GzReader() { gzclose(file_); }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  /// Reads exactly `size` bytes; `what` names them in the error of a short file.
  void read(void* buffer, size_t size, const std::string& what) {
    auto* bytes = static_cast<unsigned char*>(buffer);
    size_t done = 0;
    while (done < size) {
      const size_t chunk = std::min<size_t>(size - done, std::numeric_limits<int>::max());
      const int got = gzread(file_, bytes + done, static_cast<unsigned>(chunk));
      if (got < 0) {
        int code = 0;
        throw InputError(path_ + ": cannot be decompressed (" + gzerror(file_, &code) + ")");
      }
      if (got == 0) {
        throw InputError(path_ + ": is truncated: " + what + " needs " + std::to_string(size) +
                         " bytes, the file has " + std::to_string(done));
      }
      done += static_cast<size_t>(got);
    }
  }

  uint32_t read_u32(const std::string& what) {
    std::array<unsigned char, 4> b{};
    read(b.data(), b.size(), what);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  gzFile file_ = nullptr;
};

std::string hex(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

/// A corrupt header must not turn into a giant allocation.
void check_count(const std::string& path, int64_t n) {
  constexpr int64_t kMaxItems = 100'000'000;
  if (n > kMaxItems) {
    throw InputError(path + ": header claims " + std::to_string(n) +
                     " items; the file is corrupt or not Fashion-MNIST");
  }
}

/// uint8 [n, 1, 28, 28] from an IDX image file.
torch::Tensor read_images(const std::string& path) {
  GzReader in(path);
  const uint32_t magic = in.read_u32("the magic number");
  if (magic != kImagesMagic) {
    throw InputError(path + ": magic number " + hex(magic) + " is not " + hex(kImagesMagic) +
                     " (IDX images of unsigned bytes)");
  }
  const int64_t n = in.read_u32("the image count");
  check_count(path, n);
  const int64_t rows = in.read_u32("the row count");
  const int64_t cols = in.read_u32("the column count");
  if (rows != kSide || cols != kSide) {
    throw InputError(path + ": images are " + std::to_string(rows) + "×" + std::to_string(cols) +
                     "; Fashion-MNIST images are 28×28");
  }
  torch::Tensor images = torch::empty({n, 1, kSide, kSide}, torch::kUInt8);
  in.read(images.data_ptr(), static_cast<size_t>(images.numel()),
          "the pixels of " + std::to_string(n) + " images");
  return images;
}

/// int64 [n] from an IDX label file.
torch::Tensor read_labels(const std::string& path) {
  GzReader in(path);
  const uint32_t magic = in.read_u32("the magic number");
  if (magic != kLabelsMagic) {
    throw InputError(path + ": magic number " + hex(magic) + " is not " + hex(kLabelsMagic) +
                     " (IDX labels of unsigned bytes)");
  }
  const int64_t n = in.read_u32("the label count");
  check_count(path, n);
  torch::Tensor labels = torch::empty({n}, torch::kUInt8);
  in.read(labels.data_ptr(), static_cast<size_t>(n), std::to_string(n) + " labels");
  const int64_t top = n > 0 ? labels.max().item<int64_t>() : 0;
  if (top >= kClasses) {
    const int64_t at = labels.argmax().item<int64_t>();
    throw InputError(path + ": label " + std::to_string(top) + " at item " + std::to_string(at) +
                     " is not a class 0..9");
  }
  return labels.to(torch::kInt64);
}

class FashionMnist : public Dataset {
 public:
  FashionMnist(torch::Tensor images, torch::Tensor labels)
      : images_(std::move(images)), labels_(std::move(labels)) {}

  DatasetKind kind() const override { return DatasetKind::kFashionMnist; }
  int64_t size() const override { return images_.size(0); }
  std::vector<int64_t> item_shape() const override { return {1, kSide, kSide}; }
  torch::Tensor items(const std::vector<int64_t>& indices) const override {
    return bytes_to_unit(images_.index_select(0, index_tensor(indices)));
  }
  torch::Tensor labels(const std::vector<int64_t>& indices) const override {
    return labels_.index_select(0, index_tensor(indices)).unsqueeze(1);
  }
  std::vector<std::string> factor_names() const override { return {"class"}; }

 private:
  torch::Tensor images_;  ///< uint8 [n, 1, 28, 28]
  torch::Tensor labels_;  ///< int64 [n]
};

}  // namespace

std::unique_ptr<Dataset> open_fashion_mnist(const DataConfig& config) {
  std::vector<std::string> prefixes;
  switch (config.split) {
    case Split::kTrain:
      prefixes = {"train"};
      break;
    case Split::kTest:
      prefixes = {"t10k"};
      break;
    case Split::kAll:
      prefixes = {"train", "t10k"};
      break;
  }
  const std::filesystem::path folder(config.path.empty() ? kDefaultFolder : config.path);
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw InputError(folder.string() + ": no such folder" + install_hint());
  }
  std::vector<torch::Tensor> images, labels;
  for (const std::string& prefix : prefixes) {
    const std::string image_path = (folder / (prefix + "-images-idx3-ubyte.gz")).string();
    const std::string label_path = (folder / (prefix + "-labels-idx1-ubyte.gz")).string();
    images.push_back(read_images(image_path));
    labels.push_back(read_labels(label_path));
    if (images.back().size(0) != labels.back().size(0)) {
      throw InputError(label_path + ": holds " + std::to_string(labels.back().size(0)) +
                       " labels but " + image_path + " holds " +
                       std::to_string(images.back().size(0)) + " images");
    }
  }
  return std::make_unique<FashionMnist>(torch::cat(images), torch::cat(labels));
}

}  // namespace infofrag::data
