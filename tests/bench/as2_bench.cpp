// AS2 receive-side throughput: decrypt + verify + MIC + signed MDN of 10 KB messages, per core,
// printed beside RSA private-key signatures/s measured in the same run. The receive path needs
// about two private-key operations per message (key transport + MDN signature), so the bound is
// sign_ops/2 and the ratio says how close the whole path comes to it. The two are measured in
// interleaved rounds (a batch of receives, then a batch of signatures) so that load from other
// processes hits both alike; the medians over the rounds are reported (rates and the per-round
// ratio), with the best round of each beside them.
//   as2_bench [--quick] [--bits 2048|3072]   (--bits: one key size, e.g. under callgrind)
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <edigate/as2/receive.hpp>
#include <string>
#include <vector>

using namespace edigate::as2;
using Clock = std::chrono::steady_clock;

namespace {

Identity make_identity(const char* cn, int bits) {
  auto id = make_self_signed_identity(cn, bits, 1);
  if (!id) {
    std::fprintf(stderr, "%s\n", id.error().message.c_str());
    std::exit(1);
  }
  return *id;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// RSA PKCS#1 v1.5 signatures of a SHA-256 digest per second: the baseline.
double rsa_sign_per_second(const Identity& id, int iterations) {
  unsigned char digest[32] = {1};
  unsigned char sig[1024];
  const auto start = Clock::now();
  for (int i = 0; i < iterations; ++i) {
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new(id.key.get(), nullptr);
    EVP_PKEY_sign_init(ctx);
    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256());
    std::size_t len = sizeof sig;
    if (EVP_PKEY_sign(ctx, sig, &len, digest, sizeof digest) != 1)
      std::fprintf(stderr, "sign failed\n");
    EVP_PKEY_CTX_free(ctx);
  }
  return iterations / seconds_since(start);
}

// Receives of one packed message per second, or -1 if one is not processed with a signed MDN.
double receive_rate(const PackedMessage& packed, const LocalStation& us,
                    const PartnerLookup& lookup, int count) {
  const auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    const ReceiveOutcome out = receive(packed.http.headers, packed.http.body, us, lookup);
    if (out.disposition != DispositionStatus::processed || !out.mdn) {
      std::fprintf(stderr, "not processed: %s\n", out.error.c_str());
      return -1;
    }
  }
  return count / seconds_since(start);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Prints one result line; returns false if receive() did not process the generated message.
bool measure(int bits, int rounds, int batch) {
  const LocalStation us{"EDIGATE", make_identity("edigate", bits), {}};
  const LocalStation them{"PARTNER", make_identity("partner", bits), {}};
  PartnerProfile partner;  // how we see them
  partner.as2_id = them.as2_id;
  partner.certificate = them.identity.certificate;
  PartnerProfile view_of_us;  // how they see us
  view_of_us.as2_id = us.as2_id;
  view_of_us.certificate = us.identity.certificate;
  std::string payload;
  while (payload.size() < 10 * 1024) payload += "LIN*1*BP*PART-0001*VP*VENDOR-PART~\n";
  PackRequest request;
  request.payload = payload;
  auto packed = pack(request, them, view_of_us);
  if (!packed) return false;
  const PartnerLookup lookup = [&](std::string_view) { return &partner; };
  std::vector<double> receives, signs, ratios;
  for (int r = 0; r < rounds; ++r) {
    const double receive = receive_rate(*packed, us, lookup, batch);
    if (receive < 0) return false;
    const double sign = rsa_sign_per_second(us.identity, batch * 2);
    receives.push_back(receive);
    signs.push_back(sign);
    ratios.push_back(receive / (sign / 2));
  }
  const double sign = median(signs);
  std::printf(
      "  rsa-%d: receive %.1f msg/s, RSA_sign %.1f ops/s, bound %.1f msg/s, ratio %.2f (medians "
      "of %d rounds; best round: receive %.1f, RSA_sign %.1f)\n",
      bits, median(receives), sign, sign / 2, median(ratios), rounds,
      *std::max_element(receives.begin(), receives.end()),
      *std::max_element(signs.begin(), signs.end()));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int only_bits = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    if (std::strcmp(argv[i], "--bits") == 0 && i + 1 < argc) only_bits = std::atoi(argv[++i]);
  }
  std::printf(
      "as2 receive (AES-256-CBC + RSA key transport, SHA-256 signature, signed MDN), 10 KB, 1 "
      "core\n");
  for (int bits : {2048, 3072}) {
    if (only_bits != 0 && bits != only_bits) continue;
    // 400 receives at 2048 bits, 150 at 3072, as before the rounds were interleaved.
    const int rounds = quick ? 1 : (bits == 2048 ? 20 : 15);
    const int batch = quick ? 3 : (bits == 2048 ? 20 : 10);
    if (!measure(bits, rounds, batch)) {
      std::fprintf(stderr, "receive did not process the generated message\n");
      return 1;
    }
  }
  return 0;
}
