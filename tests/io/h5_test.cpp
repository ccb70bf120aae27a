#include "infofrag/io/h5.hpp"

#include <catch2/catch.hpp>

#include "infofrag/core/error.hpp"
#include "support.hpp"

using infofrag::h5::File;

TEST_CASE("HDF5 round trip of tensors, strings and attributes", "[io][h5]") {
  infofrag::test::TempDir dir;
  const std::string path = dir.path("x.h5");
  const torch::Tensor values = torch::randn({3, 4}, torch::kFloat64);
  const torch::Tensor ids = torch::arange(5, torch::kInt64);
  {
    File file = File::create(path);
    file.write("/a/b/values", values);
    file.write("/ids", ids);
    file.write_strings("/names", {"alpha", "β-VAE", ""});
    file.set_attr("/a", "count", int64_t{42});
    file.set_attr("/a/b/values", "scale", 0.5);
    file.set_attr("/", "title", std::string("hello"));
    file.set_attr("/", "list", std::vector<std::string>{"x", "yz"});
  }
  const File file = File::open(path);
  CHECK(file.has("/a/b/values"));
  CHECK_FALSE(file.has("/a/missing/values"));
  CHECK(file.is_group("/a"));
  CHECK_FALSE(file.is_group("/ids"));
  CHECK(file.list("/a") == std::vector<std::string>{"b"});
  CHECK(torch::equal(file.read("/a/b/values", torch::kFloat64), values));
  CHECK(torch::equal(file.read("/ids", torch::kInt64), ids));
  CHECK(file.read_strings("/names") == std::vector<std::string>{"alpha", "β-VAE", ""});
  CHECK(file.read_number_attr("/a", "count") == 42.0);
  CHECK(file.read_number_attr("/a/b/values", "scale") == 0.5);
  CHECK(file.read_string_attr("/", "title") == std::vector<std::string>{"hello"});
  CHECK(file.read_string_attr("/", "list") == std::vector<std::string>{"x", "yz"});
  CHECK_FALSE(file.has_attr("/", "nothing"));
  // Type mismatches are user errors that name the dataset.
  CHECK_THROWS_WITH(file.read("/ids", torch::kFloat64),
                    Catch::Contains("x.h5: /ids") && Catch::Contains("floating-point"));
}

TEST_CASE("Opening files that are not HDF5 names the file", "[io][h5]") {
  infofrag::test::TempDir dir;
  CHECK_THROWS_WITH(File::open(dir.path("none.h5")), Catch::Contains("none.h5: no such file"));
  infofrag::test::write_text(dir.path("text.h5"), "just some text\n");
  CHECK_THROWS_WITH(File::open(dir.path("text.h5")), Catch::Contains("not an HDF5 file"));
  CHECK_THROWS_AS(File::open(dir.path()), infofrag::InputError);
}
