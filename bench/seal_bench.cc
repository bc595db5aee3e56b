// In-process sealing benchmarks (Google Benchmark). Run on one core:
//   taskset -c 0 build/bench/seal_bench
// See docs/benchmarks.md for the side-by-side run against the age CLI.
#include <benchmark/benchmark.h>

#include "sealsync/age.h"
#include "sealsync/sealing.h"

namespace sealsync {
namespace {

const ScopeBinding kBinding{Scope::kStrict, "team-a", "db"};

void SealUnseal(benchmark::State& state, SealFormat format) {
  X25519Identity key = X25519Identity::Generate(SystemRandom());
  std::vector<X25519Recipient> rs = {key.recipient()};
  std::vector<X25519Identity> keys = {key};
  Bytes value(64, 'v');
  for (auto _ : state) {
    auto sealed = SealValue(value, rs, kBinding, format, SystemRandom());
    auto opened = UnsealValue(*sealed, keys, kBinding);
    if (!opened || opened->plaintext.size() != 64)
      state.SkipWithError("round trip failed");
    benchmark::DoNotOptimize(opened);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SealUnseal64_Age(benchmark::State& s) {
  SealUnseal(s, SealFormat::kAge);
}
void BM_SealUnseal64_Sodium(benchmark::State& s) {
  SealUnseal(s, SealFormat::kSodium);
}
BENCHMARK(BM_SealUnseal64_Age);
BENCHMARK(BM_SealUnseal64_Sodium);

// Seal and unseal apart, for the per-value table beside Bitnami's RSA-4096
// (bench/per_value.sh).
void Seal(benchmark::State& state, SealFormat format) {
  X25519Identity key = X25519Identity::Generate(SystemRandom());
  std::vector<X25519Recipient> rs = {key.recipient()};
  Bytes value(64, 'v');
  for (auto _ : state) {
    auto sealed = SealValue(value, rs, kBinding, format, SystemRandom());
    if (!sealed) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(sealed);
  }
  state.SetItemsProcessed(state.iterations());
}
void Unseal(benchmark::State& state, SealFormat format) {
  X25519Identity key = X25519Identity::Generate(SystemRandom());
  std::vector<X25519Recipient> rs = {key.recipient()};
  std::vector<X25519Identity> keys = {key};
  auto sealed = SealValue(Bytes(64, 'v'), rs, kBinding, format, SystemRandom());
  for (auto _ : state) {
    auto opened = UnsealValue(*sealed, keys, kBinding);
    if (!opened || opened->plaintext.size() != 64)
      state.SkipWithError("unseal failed");
    benchmark::DoNotOptimize(opened);
  }
  state.SetItemsProcessed(state.iterations());
}
void BM_Seal64_Age(benchmark::State& s) { Seal(s, SealFormat::kAge); }
void BM_Seal64_Sodium(benchmark::State& s) { Seal(s, SealFormat::kSodium); }
void BM_Unseal64_Age(benchmark::State& s) { Unseal(s, SealFormat::kAge); }
void BM_Unseal64_Sodium(benchmark::State& s) { Unseal(s, SealFormat::kSodium); }
BENCHMARK(BM_Seal64_Age);
BENCHMARK(BM_Seal64_Sodium);
BENCHMARK(BM_Unseal64_Age);
BENCHMARK(BM_Unseal64_Sodium);

void BM_AgeEncrypt(benchmark::State& state) {
  X25519Identity key = X25519Identity::Generate(SystemRandom());
  const AgeRecipient* rs[] = {&key.recipient()};
  Bytes data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    auto f = AgeEncrypt(data, rs, SystemRandom());
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AgeEncrypt)->Arg(64 << 20)->Unit(benchmark::kMillisecond);

void BM_AgeDecrypt(benchmark::State& state) {
  X25519Identity key = X25519Identity::Generate(SystemRandom());
  const AgeRecipient* rs[] = {&key.recipient()};
  const AgeIdentity* ids[] = {&key};
  Bytes data(static_cast<size_t>(state.range(0)), 'x');
  Bytes file = *AgeEncrypt(data, rs, SystemRandom());
  for (auto _ : state) {
    auto d = AgeDecrypt(file, ids);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AgeDecrypt)->Arg(64 << 20)->Unit(benchmark::kMillisecond);

// What `sealctl unseal --raw` does: verify every tag, then decrypt chunk by
// chunk into a 64 KiB buffer (no whole plaintext).
void BM_AgeVerifyThenDecryptTo(benchmark::State& state) {
  X25519Identity key = X25519Identity::Generate(SystemRandom());
  const AgeRecipient* rs[] = {&key.recipient()};
  const AgeIdentity* ids[] = {&key};
  Bytes data(static_cast<size_t>(state.range(0)), 'x');
  Bytes file = *AgeEncrypt(data, rs, SystemRandom());
  for (auto _ : state) {
    auto v = AgeVerify(file, ids);
    size_t n = 0;
    auto ok = v->DecryptTo([&](ByteView part) -> Result<void> {
      n += part.size();
      return {};
    });
    if (!ok || n != data.size()) state.SkipWithError("decrypt failed");
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AgeVerifyThenDecryptTo)
    ->Arg(64 << 20)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sealsync

BENCHMARK_MAIN();
