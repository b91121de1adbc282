#include "edigate/sftp/password_hash.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <charconv>
#include <memory>

namespace edigate::sftp {
namespace {

constexpr std::string_view kPrefix = "$scrypt$";
// Bounds on what a stored hash may ask for: below the floor it is too weak to be worth storing,
// above the ceilings it is a typo or an attack on the server's memory and time.
constexpr unsigned kMinLogN = 14;
constexpr unsigned kMaxLogN = 24;
constexpr unsigned kMaxR = 32;
constexpr unsigned kMaxP = 4;
constexpr std::size_t kMinSaltBytes = 8;
constexpr std::size_t kMinKeyBytes = 16;
constexpr std::size_t kMaxSaltOrKeyBytes = 64;

struct KdfFree {
  void operator()(EVP_KDF* k) const { EVP_KDF_free(k); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* c) const { EVP_KDF_CTX_free(c); }
};

std::uint64_t memory_of(const ScryptParams& p) {
  return 128ull * p.r * (std::uint64_t{1} << p.log_n);
}

bool in_bounds(const ScryptParams& p) {
  return p.log_n >= kMinLogN && p.log_n <= kMaxLogN && p.r >= 1 && p.r <= kMaxR && p.p >= 1 &&
         p.p <= kMaxP && memory_of(p) <= kMaxScryptMemoryBytes;
}

// The PHC strings' base64: standard alphabet, no padding.
std::string encode_base64(const std::vector<unsigned char>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

bool decode_base64(std::string_view text, std::vector<unsigned char>& out) {
  if (text.empty() || text.size() % 4 == 1 || text.size() > 4 * kMaxSaltOrKeyBytes) return false;
  for (const char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/';
    if (!ok) return false;
  }
  std::string padded(text);
  const std::size_t pad = (4 - padded.size() % 4) % 4;
  padded.append(pad, '=');
  out.assign(padded.size() / 4 * 3, 0);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(padded.data()),
                                static_cast<int>(padded.size()));
  if (n < 0) return false;
  out.resize(static_cast<std::size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zeros
  // Only the canonical spelling is accepted, so one hash has one string form.
  return encode_base64(out) == text;
}

bool read_param(std::string_view& text, std::string_view name, unsigned& out) {
  if (text.substr(0, name.size()) != name) return false;
  text.remove_prefix(name.size());
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end == text.data() || *text.data() == '0') return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

bool scrypt(std::string_view password, const std::vector<unsigned char>& salt,
            const ScryptParams& p, std::vector<unsigned char>& key) {
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_SCRYPT, nullptr));
  if (!kdf) return false;
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return false;
  std::uint64_t n = std::uint64_t{1} << p.log_n;
  std::uint32_t r = p.r;
  std::uint32_t par = p.p;
  // Room for the work area plus OpenSSL's own bookkeeping above 128 * r * N.
  std::uint64_t maxmem = kMaxScryptMemoryBytes + (1u << 20);
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                        const_cast<unsigned char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &par),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  return EVP_KDF_derive(ctx.get(), key.data(), key.size(), params) == 1;
}

}  // namespace

Result<PasswordHash> parse_password_hash(std::string_view text) {
  const auto bad = [](const std::string& why) {
    return Status::error(ErrorCode::bad_config, "password hash: " + why +
                                                    " (make one with `edigate config "
                                                    "hash-password`)");
  };
  if (text.substr(0, kPrefix.size()) != kPrefix) return bad("not a $scrypt$ string");
  text.remove_prefix(kPrefix.size());
  PasswordHash h;
  if (!read_param(text, "ln=", h.params.log_n) || !read_param(text, ",r=", h.params.r) ||
      !read_param(text, ",p=", h.params.p) || text.substr(0, 1) != "$") {
    return bad("parameters must read ln=N,r=N,p=N");
  }
  if (!in_bounds(h.params)) {
    return bad("parameters out of bounds (ln " + std::to_string(kMinLogN) + ".." +
               std::to_string(kMaxLogN) + ", r 1.." + std::to_string(kMaxR) + ", p 1.." +
               std::to_string(kMaxP) + ", at most " + std::to_string(kMaxScryptMemoryBytes >> 20) +
               " MiB)");
  }
  text.remove_prefix(1);
  const std::size_t dollar = text.find('$');
  if (dollar == std::string_view::npos) return bad("salt and key must be separated by '$'");
  if (!decode_base64(text.substr(0, dollar), h.salt) || h.salt.size() < kMinSaltBytes) {
    return bad("the salt must be base64 (no padding) of at least " + std::to_string(kMinSaltBytes) +
               " bytes");
  }
  if (!decode_base64(text.substr(dollar + 1), h.key) || h.key.size() < kMinKeyBytes) {
    return bad("the key must be base64 (no padding) of at least " + std::to_string(kMinKeyBytes) +
               " bytes");
  }
  return h;
}

Result<std::string> hash_password(std::string_view password, ScryptParams params) {
  if (!in_bounds(params)) return Status::error(ErrorCode::bad_config, "scrypt parameters");
  if (password.size() > kMaxPasswordBytes) {
    return Status::error(ErrorCode::bad_config,
                         "password longer than " + std::to_string(kMaxPasswordBytes) + " bytes");
  }
  PasswordHash h{params, std::vector<unsigned char>(kPasswordSaltBytes),
                 std::vector<unsigned char>(kPasswordKeyBytes)};
  if (RAND_bytes(h.salt.data(), static_cast<int>(h.salt.size())) != 1 ||
      !scrypt(password, h.salt, params, h.key)) {
    return Status::error(ErrorCode::crypto, "scrypt failed");
  }
  return std::string(kPrefix) + "ln=" + std::to_string(params.log_n) +
         ",r=" + std::to_string(params.r) + ",p=" + std::to_string(params.p) + "$" +
         encode_base64(h.salt) + "$" + encode_base64(h.key);
}

bool verify_password(std::string_view password, const PasswordHash& hash) {
  if (password.size() > kMaxPasswordBytes || !in_bounds(hash.params) || hash.key.empty()) {
    return false;
  }
  std::vector<unsigned char> key(hash.key.size());
  if (!scrypt(password, hash.salt, hash.params, key)) return false;
  const bool same = CRYPTO_memcmp(key.data(), hash.key.data(), key.size()) == 0;
  OPENSSL_cleanse(key.data(), key.size());
  return same;
}

}  // namespace edigate::sftp
