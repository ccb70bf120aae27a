// The ensemble folder and member files: what write_member writes reads back, and a damaged
// folder or member file fails embed with one line naming the file, the attribute or
// dataset and the value, writing nothing.
#include <filesystem>
#include <functional>

#include "infofrag/core/error.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/models/vae.hpp"
#include "support.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::test::run_cli;
using infofrag::test::TempDir;
using namespace infofrag::ensemble;

namespace {

/// One untrained mlp member "m" on the circle dataset in dir/ens.
MemberRecord write_tiny_member(const TempDir& dir) {
  MemberRecord record;
  record.spec.id = "m";
  record.spec.beta = 2;
  record.spec.seed = 7;
  record.data.dataset = infofrag::data::DatasetKind::kCircle;
  record.data.circle_points = 100;
  record.model.kind = infofrag::models::ModelKind::kMlp;
  record.model.latents = 2;
  record.model.widths = {8};
  record.item_shape = {2};
  record.status = "finished";
  record.steps = record.steps_done = 3;
  record.batch_size = 4;
  record.curve_step = torch::tensor({1, 2, 3}, torch::kInt64);
  record.curve_recon = torch::tensor({3.0, 2.0, 1.0}, torch::kFloat64);
  record.curve_kl = torch::tensor({0.1, 0.2, 0.3}, torch::kFloat64);
  record.curve_loss = record.curve_recon + record.curve_kl;
  const auto spec = infofrag::models::resolve_model(record.model, record.item_shape);
  infofrag::models::BatchedVae model(spec, 1);
  fs::create_directories(members_dir(dir.path("ens")));
  write_member(member_file(dir.path("ens"), "m"), record, model->member_parameters(0));
  return record;
}

/// embed on dir/ens fails with one line holding every one of `expected`, and writes nothing.
void embed_fails(const TempDir& dir, const std::vector<std::string>& expected) {
  const auto run = run_cli({"embed", "--ensemble", dir.path("ens"), "--out", dir.path("e.h5"),
                            "--fingerprint-size", "10", "--device", "cpu"});
  CHECK(run.code == 1);
  CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
  for (const auto& text : expected) CHECK_THAT(run.err, Catch::Contains(text));
  CHECK_FALSE(fs::exists(dir.path("e.h5")));
}

void edit_member(const TempDir& dir, const std::function<void(infofrag::h5::File&)>& edit) {
  auto file = infofrag::h5::File::open_for_update(member_file(dir.path("ens"), "m"));
  edit(file);
}

}  // namespace

TEST_CASE("ensemble: a member file reads back as written", "[ensemble]") {
  TempDir dir;
  const MemberRecord written = write_tiny_member(dir);
  const MemberRecord r = read_member(member_file(dir.path("ens"), "m"));
  CHECK(r.spec.id == "m");
  CHECK(r.spec.beta == 2);
  CHECK(r.spec.seed == 7);
  CHECK(r.item_shape == written.item_shape);
  CHECK(r.model.latents == 2);
  CHECK(torch::equal(r.curve_loss, written.curve_loss));
  CHECK(list_member_files(dir.path("ens")) ==
        std::vector<std::string>{member_file(dir.path("ens"), "m")});
  const auto model = load_members({r}, {member_file(dir.path("ens"), "m")}, torch::kCPU);
  const auto weights = read_member_weights(member_file(dir.path("ens"), "m"));
  for (const auto& [name, value] : model->member_parameters(0)) {
    CHECK(torch::equal(value, weights.at(name)));
  }
  CHECK(checkpoint_file("E", 3) == (fs::path("E") / "checkpoints" / "pack_3.h5").string());
}

TEST_CASE("ensemble: a damaged folder or member file fails embed with one line",
          "[ensemble][cli]") {
  TempDir dir;
  write_tiny_member(dir);
  const std::string path = member_file(dir.path("ens"), "m");
  const std::string first_weight = [&] {
    return infofrag::h5::File::open(path).list("/weights").front();
  }();

  SECTION("a binary config.ini") {
    infofrag::test::write_text(config_file(dir.path("ens")), std::string("\x00\x01[data]", 8));
    embed_fails(dir, {"config.ini", "0x00", "offset 0"});
  }
  SECTION("a config.ini that is not INI") {
    infofrag::test::write_text(config_file(dir.path("ens")), "[data]\ndataset = circle\nhello\n");
    embed_fails(dir, {"config.ini:3", "'hello'"});
  }
  SECTION("a weight with a NaN") {
    edit_member(dir, [&](infofrag::h5::File& f) {
      auto w = f.read("/weights/" + first_weight, torch::kFloat32);
      w.view({-1})[1] = NAN;
      f.remove("/weights/" + first_weight);
      f.write("/weights/" + first_weight, w);
    });
    embed_fails(dir, {path, "/weights/" + first_weight, "nan at flat index 1"});
  }
  SECTION("a weight of another shape") {
    edit_member(dir, [&](infofrag::h5::File& f) {
      f.remove("/weights/" + first_weight);
      f.write("/weights/" + first_weight, torch::zeros({3, 5}));
    });
    embed_fails(dir, {path, "/weights/" + first_weight, "[3, 5]", "expected"});
  }
  SECTION("a missing weight") {
    edit_member(dir, [&](infofrag::h5::File& f) { f.remove("/weights/" + first_weight); });
    embed_fails(dir, {path, "/weights/" + first_weight, "missing"});
  }
  SECTION("a number attribute holding a string") {
    edit_member(dir, [](infofrag::h5::File& f) { f.set_attr("/", "beta", std::string("four")); });
    embed_fails(dir, {path, "'beta'", "not a single number"});
  }
  SECTION("a string attribute holding a number") {
    edit_member(dir, [](infofrag::h5::File& f) { f.set_attr("/", "model", 3.0); });
    embed_fails(dir, {path, "'model'", "a number"});
  }
  SECTION("a negative step count") {
    edit_member(dir, [](infofrag::h5::File& f) { f.set_attr("/", "steps_done", int64_t{-4}); });
    embed_fails(dir, {path, "'steps_done'", "-4"});
  }
  SECTION("an item shape of zero size") {
    edit_member(dir,
                [](infofrag::h5::File& f) { f.set_attr("/", "item_shape", std::string("0")); });
    embed_fails(dir, {path, "'item_shape'", "'0'"});
  }
  SECTION("curves of different lengths") {
    edit_member(dir, [](infofrag::h5::File& f) {
      f.remove("/curves/kl");
      f.write("/curves/kl", torch::zeros({2}, torch::kFloat64));
    });
    embed_fails(dir, {path, "/curves/kl", "[2]", "[3]"});
  }
  SECTION("an unknown status") {
    edit_member(dir, [](infofrag::h5::File& f) { f.set_attr("/", "status", std::string("odd")); });
    embed_fails(dir, {path, "'status'", "'odd'"});
  }
}
