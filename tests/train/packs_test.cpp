// Sharing one sweep among processes: the pack plan, shards, pack locks with leases,
// config.ini created once, and the preemption signal (checkpoint, exit 75, resume).
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "infofrag/core/error.hpp"
#include "infofrag/core/fields.hpp"
#include "infofrag/ensemble/ensemble.hpp"
#include "infofrag/io/atomic_file.hpp"
#include "infofrag/io/h5.hpp"
#include "infofrag/train/packs.hpp"
#include "infofrag/train/status.hpp"
#include "infofrag/train/trainer.hpp"
#include "support.hpp"

// After LibTorch: glog, which LibTorch includes, defines its own CHECK.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using infofrag::test::TempDir;
using namespace infofrag::train;

namespace {

std::vector<MemberSpec> members_named(int n) {
  std::vector<MemberSpec> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out[static_cast<size_t>(i)].id = "m" + std::to_string(i);
  return out;
}

/// A pid that is certainly not alive: a child that has exited and been reaped.
int64_t dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

/// A lease of pack 0 as another process would have written it.
PackLease foreign_lease(const std::string& host, int64_t pid, double expires_s) {
  PackLease l;
  l.pack = 0;
  l.host = host;
  l.pid = pid;
  l.pid_start = "1";
  l.token = "other";
  l.acquired_s = l.renewed_s = 1;
  l.expires_s = expires_s;
  l.start_step = 0;
  l.step = 10;
  return l;
}

std::string lock0(const std::string& dir, int g) {
  return dir + "/checkpoints/pack_0.lock." + std::to_string(g);
}

/// The tiny circle sweep of configs/tests/tiny_circle.ini, shortened, as a command line.
std::vector<std::string> tiny_train(const std::string& out, const std::string& extra = "") {
  std::vector<std::string> args = {
      "train", "--config", std::string(INFOFRAG_SOURCE_DIR) + "/configs/tests/tiny_circle.ini",
      "--out", out};
  std::istringstream words(
      "--train.steps 60 --train.seeds 3 --train.pack-size 2 "
      "--train.checkpoint-every 20 --train.curve-window 7 " +
      extra);
  for (std::string w; words >> w;) args.push_back(w);
  return args;
}

void check_same_weights(const std::string& a, const std::string& b, const std::string& id) {
  INFO(id);
  const auto wa = infofrag::ensemble::read_member_weights(infofrag::ensemble::member_file(a, id));
  const auto wb = infofrag::ensemble::read_member_weights(infofrag::ensemble::member_file(b, id));
  REQUIRE(wa.size() == wb.size());
  for (const auto& [name, value] : wa) {
    INFO(name);
    CHECK(torch::equal(value, wb.at(name)));
  }
  const auto ra = infofrag::ensemble::read_member(infofrag::ensemble::member_file(a, id));
  const auto rb = infofrag::ensemble::read_member(infofrag::ensemble::member_file(b, id));
  CHECK(torch::equal(ra.curve_step, rb.curve_step));
  CHECK(torch::equal(ra.curve_loss, rb.curve_loss));
}

}  // namespace

TEST_CASE("the pack plan cuts the members into consecutive packs of K", "[train][packs]") {
  const auto members = members_named(10);
  const auto packs = plan_packs(members, 4);
  REQUIRE(packs.size() == 3);
  CHECK(packs[0].members.size() == 4);
  CHECK(packs[1].members.size() == 4);
  CHECK(packs[2].members.size() == 2);
  size_t at = 0;
  for (size_t j = 0; j < packs.size(); ++j) {
    CHECK(packs[j].index == static_cast<int64_t>(j));
    for (const auto& m : packs[j].members) CHECK(m.id == members[at++].id);
  }
  CHECK(at == members.size());
  CHECK(plan_packs(members, 1).size() == 10);
  CHECK(plan_packs(members, 100).size() == 1);
  CHECK(plan_packs({}, 3).empty());
}

TEST_CASE("shards share the packs out, each pack to exactly one", "[train][packs]") {
  for (int64_t n = 1; n <= 5; ++n) {
    for (int64_t pack = 0; pack < 12; ++pack) {
      int owners = 0;
      for (int64_t i = 0; i < n; ++i) owners += in_shard(pack, Shard{i, n});
      CHECK(owners == 1);
    }
  }
  CHECK(in_shard(5, Shard{1, 4}));
  CHECK_FALSE(in_shard(5, Shard{0, 4}));
}

TEST_CASE("the shard option is parsed once: i/n counted from 0, slips named", "[train][packs]") {
  using infofrag::fields::parse_option;
  CHECK(parse_option<Shard>("3/4", "--shard") == Shard{3, 4});
  CHECK(parse_option<Shard>(" 0/1 ", "--shard") == Shard{0, 1});
  CHECK(infofrag::fields::format(Shard{2, 5}) == "2/5");
  CHECK_THROWS_WITH(parse_option<Shard>("3/2", "--shard"),
                    Catch::Contains("--shard = '3/2'") && Catch::Contains("0 to n-1 = 1"));
  CHECK_THROWS_WITH(parse_option<Shard>("0/0", "--shard"),
                    Catch::Contains("--shard = '0/0'") && Catch::Contains("at least 1"));
  CHECK_THROWS_WITH(parse_option<Shard>("2", "--shard"), Catch::Contains("is not i/n"));
  CHECK_THROWS_WITH(parse_option<Shard>("a/b", "--shard"), Catch::Contains("is not i/n"));
  CHECK_THROWS_WITH(parse_option<Shard>("-1/3", "--shard"), Catch::Contains("0 to n-1"));
}

TEST_CASE("bad --shard values fail on the command line before any file is made", "[train][packs]") {
  TempDir dir;
  for (const std::string shard : {"3/2", "0/0", "1/x"}) {
    INFO(shard);
    auto args = tiny_train(dir.path("e"));
    args.push_back("--shard");
    args.push_back(shard);
    const auto run = infofrag::test::run_cli(args);
    CHECK(run.code == 1);
    CHECK_THAT(run.err, Catch::Contains("--shard = '" + shard + "'"));
    CHECK_FALSE(fs::exists(dir.path("e")));
  }
}

TEST_CASE("a pack lock is held by one process, and a dead or lapsed holder's is taken over",
          "[train][packs]") {
  TempDir dir;
  const std::string e = dir.path("e");
  fs::create_directories(e + "/checkpoints");
  CHECK_FALSE(read_lease(e, 0).has_value());

  // Taken when free; a second taker (this same live process) finds it held.
  auto first = PackLock::acquire(e, 0, /*lease_s=*/600, /*step=*/0);
  REQUIRE(first.has_value());
  CHECK(first->lease().generation == 0);
  CHECK(fs::exists(lock0(e, 0)));
  const auto read = read_lease(e, 0);
  REQUIRE(read.has_value());
  CHECK(read->token == first->lease().token);
  CHECK(read->pid == getpid());
  CHECK(lease_state(*read, infofrag::train::detail::now_s()) == LeaseState::kHeld);
  CHECK_FALSE(PackLock::acquire(e, 0, 600, 0).has_value());
  // Other packs are independent.
  CHECK(PackLock::acquire(e, 1, 600, 0).has_value());

  // Renewal records the step; release frees it for the next process, at the next generation.
  first->renew(40);
  CHECK(read_lease(e, 0)->step == 40);
  first->release(40);
  CHECK(lease_state(*read_lease(e, 0), infofrag::train::detail::now_s()) == LeaseState::kReleased);
  auto second = PackLock::acquire(e, 0, 600, 40);
  REQUIRE(second.has_value());
  CHECK(second->lease().generation == 1);
  CHECK_FALSE(fs::exists(lock0(e, 0)));  // history removed
  second->finish();
  CHECK(lock_files(e, 0).empty());

  const std::string host = infofrag::train::detail::host_name();
  const double now = infofrag::train::detail::now_s();
  SECTION("a holder on this machine that is gone: taken at once, though its lease runs") {
    infofrag::replace_file(lock0(e, 4), lease_text(foreign_lease(host, dead_pid(), now + 1e6)));
    CHECK(lease_state(*read_lease(e, 0), now) == LeaseState::kDead);
    auto taken = PackLock::acquire(e, 0, 600, 10);
    REQUIRE(taken.has_value());
    CHECK(taken->lease().generation == 5);
  }
  SECTION("a holder on another machine: held until its lease lapses") {
    infofrag::replace_file(lock0(e, 0), lease_text(foreign_lease("elsewhere", 1, now + 1e6)));
    CHECK(lease_state(*read_lease(e, 0), now) == LeaseState::kHeld);
    CHECK_FALSE(PackLock::acquire(e, 0, 600, 0).has_value());
    infofrag::replace_file(lock0(e, 0), lease_text(foreign_lease("elsewhere", 1, now - 1)));
    CHECK(lease_state(*read_lease(e, 0), now) == LeaseState::kExpired);
    CHECK(PackLock::acquire(e, 0, 600, 0).has_value());
  }
  SECTION("a holder whose lease was taken over learns it at its next check") {
    auto mine = PackLock::acquire(e, 0, 600, 0);
    REQUIRE(mine.has_value());
    // Another process decided this lease lapsed and made the next generation.
    PackLease other = foreign_lease("elsewhere", 1, now + 1e6);
    other.generation = mine->lease().generation + 1;
    REQUIRE(infofrag::create_file_once(lock0(e, static_cast<int>(other.generation)),
                                       lease_text(other)));
    CHECK_THROWS_AS(mine->check(), LeaseLost);
    CHECK_THROWS_WITH(mine->renew(5), Catch::Contains("another process took it over"));
  }
}

TEST_CASE("a lock file that is garbage is an error naming it, and nothing is lost",
          "[train][packs]") {
  TempDir dir;
  const std::string e = dir.path("e");
  fs::create_directories(e + "/checkpoints");
  for (const std::string& text : {std::string("\x01\x02garbage\n", 10), std::string("pack = 0\n"),
                                  std::string("pack = 7\nhost = h\n")}) {
    infofrag::test::write_text(lock0(e, 0), text);
    CHECK_THROWS_WITH(read_lease(e, 0),
                      Catch::Contains(lock0(e, 0)) && Catch::Contains("remove this file"));
    CHECK_THROWS_AS(PackLock::acquire(e, 0, 600, 0), infofrag::InputError);
    CHECK(infofrag::test::read_text(lock0(e, 0)) == text);  // left for the user to judge
  }
  // Through the command: exit 1, one message naming the file, what was trained kept.
  fs::remove(lock0(e, 0));
  auto args = tiny_train(e);
  args.push_back("--shard");
  args.push_back("1/2");
  REQUIRE(infofrag::test::run_cli(args).code == 0);  // pack 1 only: the third member
  const auto trained = infofrag::ensemble::list_member_files(e);
  REQUIRE(trained.size() == 1);
  infofrag::test::write_text(lock0(e, 0), "garbage\n");
  const auto run = infofrag::test::run_cli(tiny_train(e));
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains(lock0(e, 0)) && Catch::Contains("not an infofrag pack lock"));
  CHECK(infofrag::test::read_text(lock0(e, 0)) == "garbage\n");
  CHECK(infofrag::ensemble::list_member_files(e) == trained);
}

TEST_CASE("config.ini is created once, and a folder of another sweep is refused unchanged",
          "[train][packs]") {
  TempDir dir;
  const std::string path = dir.path("c.ini");
  CHECK(infofrag::create_file_once(path, "first\n"));
  CHECK_FALSE(infofrag::create_file_once(path, "second\n"));
  CHECK(infofrag::test::read_text(path) == "first\n");
  CHECK(dir.files() == std::vector<std::string>{"c.ini"});  // no temporary left

  const std::string e = dir.path("e");
  REQUIRE(infofrag::test::run_cli(tiny_train(e)).code == 0);
  const std::string before = infofrag::test::read_text(e + "/config.ini");
  const auto members = infofrag::ensemble::list_member_files(e);
  const auto run = infofrag::test::run_cli(tiny_train(e, "--train.lr 0.01"));
  CHECK(run.code == 1);
  CHECK_THAT(run.err, Catch::Contains("different sweep") && Catch::Contains(e + "/config.ini") &&
                          Catch::Contains("lr = 0.01"));
  CHECK(infofrag::test::read_text(e + "/config.ini") == before);
  CHECK(infofrag::ensemble::list_member_files(e) == members);
}

TEST_CASE("shards trained one after another equal one process, bit for bit", "[train][packs]") {
  TempDir dir;
  REQUIRE(infofrag::test::run_cli(tiny_train(dir.path("one"))).code == 0);
  // 3 members in packs of 2: packs 0 and 1; shard 1/3 has none, 2/3 none either.
  for (const std::string shard : {"1/2", "2/3", "0/2"}) {
    auto args = tiny_train(dir.path("split"));
    args.push_back("--shard");
    args.push_back(shard);
    const auto run = infofrag::test::run_cli(args);
    INFO(run.err);
    REQUIRE(run.code == 0);
    if (shard == "1/2") {
      // Only pack 1 (the third member) so far.
      CHECK(infofrag::ensemble::list_member_files(dir.path("split")).size() == 1);
    }
  }
  for (const std::string id : {"beta0.03_seed0", "beta0.03_seed1", "beta0.03_seed2"}) {
    check_same_weights(dir.path("one"), dir.path("split"), id);
  }
  CHECK(fs::is_empty(dir.path("split") + "/checkpoints"));  // no lock or checkpoint left
}

TEST_CASE(
    "SIGTERM or SIGUSR1: a checkpoint at the next step, exit 75, and the resumed run "
    "equals an uninterrupted one",
    "[train][packs]") {
  TempDir dir;
  REQUIRE(infofrag::test::run_cli(tiny_train(dir.path("straight"))).code == 0);
  for (const int sig : {SIGTERM, SIGUSR1}) {
    INFO("signal " << sig);
    const std::string e = dir.path("stopped" + std::to_string(sig));
    // The signal arrives during step 27 (the test hook sends it then), between checkpoints.
    const int status = infofrag::test::run_cli_with_env(
        tiny_train(e), "INFOFRAG_TEST_SIGNAL_AT_STEP", "27:" + std::to_string(sig));
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == kExitStoppedToResume);
    const std::string checkpoint = e + "/checkpoints/pack_0.h5";
    REQUIRE(fs::exists(checkpoint));
    // Written at the next step, not the next checkpoint interval.
    CHECK(infofrag::h5::File::open(checkpoint).read_number_attr("/", "step") == 27);
    const auto lease = read_lease(e, 0);
    REQUIRE(lease.has_value());
    CHECK(lease->released);
    CHECK(lease->step == 27);
    CHECK(infofrag::ensemble::list_member_files(e).empty());
    const auto resumed = infofrag::test::run_cli(tiny_train(e));
    INFO(resumed.err);
    REQUIRE(resumed.code == 0);
    for (const std::string id : {"beta0.03_seed0", "beta0.03_seed1", "beta0.03_seed2"}) {
      check_same_weights(dir.path("straight"), e, id);
    }
    CHECK(fs::is_empty(e + "/checkpoints"));
  }
}

TEST_CASE("infofrag status on a folder mid-sweep: counts, holders, stale locks", "[train][packs]") {
  TempDir dir;
  const std::string e = dir.path("e");
  // 7 members in packs of 2: packs 0 {seed0, seed1}, 1 {2, 3}, 2 {4, 5}, 3 {6}.
  auto args = tiny_train(e, "--train.seeds 7");
  args.push_back("--shard");
  args.push_back("0/2");  // packs 0 and 2 end
  const auto shard = infofrag::test::run_cli(args);
  INFO(shard.err);
  REQUIRE(shard.code == 0);
  // Pack 1 is being trained: its lease held by this (live) process, 20 steps done ...
  auto held = PackLock::acquire(e, 1, 600, 0);
  REQUIRE(held.has_value());
  held->renew(20);
  // ... and pack 3's holder died after 40 steps, its checkpoint left.
  PackLease dead = foreign_lease(infofrag::train::detail::host_name(), dead_pid(),
                                 infofrag::train::detail::now_s() + 600);
  dead.pack = 3;
  dead.step = 40;
  infofrag::replace_file(e + "/checkpoints/pack_3.lock.0", lease_text(dead));

  const auto status = sweep_status(StatusConfig{e});
  CHECK(status.members == 7);
  CHECK(status.finished == 4);
  CHECK(status.failed == 0);
  CHECK(status.in_progress == 2);
  CHECK(status.waiting == 1);
  REQUIRE(status.packs.size() == 4);
  CHECK(status.packs[0].state == PackState::kEnded);
  CHECK(status.packs[1].state == PackState::kTraining);
  CHECK(status.packs[1].steps_done == 20);
  CHECK(status.packs[1].lease->pid == getpid());
  CHECK(status.packs[2].state == PackState::kEnded);
  CHECK(status.packs[3].state == PackState::kWaiting);
  CHECK(status.packs[3].steps_done == 40);
  CHECK(status.stale_locks == std::vector<std::string>{e + "/checkpoints/pack_3.lock.0"});

  // The command, with the folder as its one argument.
  const auto run = infofrag::test::run_cli({"status", e});
  INFO(run.err);
  REQUIRE(run.code == 0);
  CHECK_THAT(run.out, Catch::Contains("7 members") &&
                          Catch::Contains("4 finished, 0 failed, 2 in progress, 1 waiting") &&
                          Catch::Contains(infofrag::train::detail::host_name() + ":" +
                                          std::to_string(getpid())) &&
                          Catch::Contains("holder gone") && Catch::Contains("pack_3.lock.0"));
  // Nothing was changed: the same status again.
  CHECK(sweep_status(StatusConfig{e}).finished == 4);
  CHECK(fs::exists(e + "/checkpoints/pack_3.lock.0"));
  // Not an ensemble folder: one line naming it.
  const auto bad = infofrag::test::run_cli({"status", dir.path("nothing")});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains(dir.path("nothing")));
}
