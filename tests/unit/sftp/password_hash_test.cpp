#include "edigate/sftp/password_hash.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace edigate::sftp;

TEST_CASE("sftp password hash: scrypt string carries its parameters and verifies", "[sftp]") {
  auto made = hash_password("s3cret pass");
  REQUIRE(made.ok());
  const std::string& text = made.value();
  CHECK(text.rfind("$scrypt$ln=15,r=8,p=1$", 0) == 0);
  CHECK(text.find("s3cret") == std::string::npos);
  auto parsed = parse_password_hash(text);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().salt.size() == kPasswordSaltBytes);
  CHECK(parsed.value().key.size() == kPasswordKeyBytes);
  CHECK(verify_password("s3cret pass", parsed.value()));
  CHECK_FALSE(verify_password("s3cret pasS", parsed.value()));
  CHECK_FALSE(verify_password("", parsed.value()));
  CHECK_FALSE(verify_password(std::string(kMaxPasswordBytes + 1, 'a'), parsed.value()));
  // A fresh salt each time: the same password never gives the same string.
  auto again = hash_password("s3cret pass");
  REQUIRE(again.ok());
  CHECK(again.value() != text);
}

TEST_CASE("sftp password hash: the RFC 7914 scrypt vector through our string form", "[sftp]") {
  // RFC 7914 section 12: P="pleaseletmein", S="SodiumChloride", N=16384, r=8, p=1, 64 bytes.
  const std::string vector =
      "$scrypt$ln=14,r=8,p=1$U29kaXVtQ2hsb3JpZGU$cCO9yzr9c0hGHAbNgf046/"
      "2o+7qQT44+qbVD9lRdofLVQylVYT8"
      "Pz2LUlwUkKpr55h6F3A1lHkDfzwF7RVdYhw";
  auto parsed = parse_password_hash(vector);
  REQUIRE(parsed.ok());
  CHECK(parsed.value().key.size() == 64);
  CHECK(verify_password("pleaseletmein", parsed.value()));
  CHECK_FALSE(verify_password("pleaseletmeout", parsed.value()));
}

TEST_CASE("sftp password hash: malformed or out-of-bounds strings are refused", "[sftp]") {
  const std::string salt = "U29kaXVtQ2hsb3JpZGU";
  const std::string key = "cCO9yzr9c0hGHAbNgf046/2o+7qQT44+qbVD9lRdofI";
  for (const std::string& bad : std::vector<std::string>{
           std::string("plaintext"),
           "$2y$10$abcdefghijklmnopqrstuv",                    // bcrypt
           "$scrypt$ln=15,r=8$" + salt + "$" + key,            // p missing
           "$scrypt$ln=015,r=8,p=1$" + salt + "$" + key,       // leading zero
           "$scrypt$ln=10,r=8,p=1$" + salt + "$" + key,        // too weak
           "$scrypt$ln=24,r=32,p=1$" + salt + "$" + key,       // 32 GiB
           "$scrypt$ln=15,r=8,p=99$" + salt + "$" + key,       // too slow
           "$scrypt$ln=15,r=8,p=1$" + salt,                    // no key
           "$scrypt$ln=15,r=8,p=1$" + salt + "==$" + key,      // padding
           "$scrypt$ln=15,r=8,p=1$" + salt + "$" + key + "!",  // not base64
           "$scrypt$ln=15,r=8,p=1$c2FsdA$" + key,              // 4-byte salt
       }) {
    INFO(bad);
    CHECK_FALSE(parse_password_hash(bad).ok());
  }
  CHECK(parse_password_hash("$scrypt$ln=15,r=8,p=1$" + salt + "$" + key).ok());
}
