#include "infofrag/io/png.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <vector>

#include "infofrag/core/error.hpp"
#include "infofrag/io/atomic_file.hpp"

namespace infofrag {

namespace {

void put32(std::vector<unsigned char>& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<unsigned char>(v >> shift));
}

/// A PNG chunk: length, type, data, CRC over type and data (PNG specification, section 5.3).
void chunk(std::vector<unsigned char>& out, const char* type,
           const std::vector<unsigned char>& data) {
  put32(out, static_cast<uint32_t>(data.size()));
  const size_t start = out.size();
  out.insert(out.end(), type, type + 4);
  out.insert(out.end(), data.begin(), data.end());
  put32(out,
        static_cast<uint32_t>(crc32(0, out.data() + start, static_cast<uInt>(out.size() - start))));
}

}  // namespace

void write_png(const std::string& path, const torch::Tensor& image) {
  TORCH_CHECK(image.scalar_type() == torch::kUInt8 && (image.dim() == 2 || image.dim() == 3),
              "write_png expects uint8 [H, W] or [H, W, 3], got ", image.sizes());
  const auto pixels = image.contiguous().cpu();
  const auto height = static_cast<uint32_t>(pixels.size(0));
  const auto width = static_cast<uint32_t>(pixels.size(1));
  const uint32_t channels = image.dim() == 3 ? static_cast<uint32_t>(pixels.size(2)) : 1;
  TORCH_CHECK(channels == 1 || channels == 3, "write_png: 1 or 3 channels, got ", channels);

  std::vector<unsigned char> raw;  // each scanline preceded by filter type 0 (none)
  const size_t row = static_cast<size_t>(width) * channels;
  const auto* data = pixels.data_ptr<uint8_t>();
  for (uint32_t y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.insert(raw.end(), data + y * row, data + (y + 1) * row);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::vector<unsigned char> packed(packed_size);
  TORCH_CHECK(compress2(packed.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()),
                        Z_BEST_COMPRESSION) == Z_OK,
              "write_png: zlib failed");
  packed.resize(packed_size);

  std::vector<unsigned char> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<unsigned char> header;
  put32(header, width);
  put32(header, height);
  header.push_back(8);                      // bit depth
  header.push_back(channels == 3 ? 2 : 0);  // colour type: RGB or grey
  header.insert(header.end(), {0, 0, 0});   // deflate, adaptive filtering, no interlace
  chunk(png, "IHDR", header);
  chunk(png, "IDAT", packed);
  chunk(png, "IEND", {});

  AtomicFile out(path);
  {
    std::ofstream file(out.temp_path(), std::ios::binary);
    file.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size()));
    file.close();  // a full disk shows up when the buffer is flushed
    if (!file) throw InputError(path + ": cannot write this file (" + std::strerror(errno) + ")");
  }
  out.commit();
}

}  // namespace infofrag
