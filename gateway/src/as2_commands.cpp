#include "as2_commands.hpp"

#include <edigate/as2/receive.hpp>
#include <edigate/as2/send.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "as2_keys.hpp"

namespace edigate::cli {
namespace {

struct PackOptions {
  std::string file, out, from, to, partner_cert, content_type = "application/edi-x12",
                                                 digest = "sha-256", cipher = "aes256-cbc",
                                                 compress = "none", message_id, async_url;
  KeyOptions keys;
  bool no_sign = false, no_encrypt = false, oaep = false, no_mdn = false, unsigned_mdn = false;
};

struct UnpackOptions {
  std::string file, out, mdn_out, partner_cert;
  KeyOptions keys;
  bool json = false, require_signed = false, require_encrypted = false;
};

struct SendCommandOptions {
  std::string url, file, partner_cert, expect_mic, ca_file, tls_cert, tls_key;
  int attempts = 1;
};

struct MdnOptions {
  std::string file, partner_cert, expect_mic;
  bool json = false;
};

int fail(const std::string& message) {
  std::cerr << "edigate: " << message << "\n";
  return 2;
}

bool write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return static_cast<bool>(out);
}

// A saved message is its HTTP headers, a blank line and the body: what `pack` writes.
as2::Result<std::pair<as2::Headers, std::string>> read_saved(const std::string& path) {
  auto bytes = as2::read_file_bytes(path);
  if (!bytes) return bytes.error();
  return as2::split_headers(*bytes);
}

as2::Result<as2::PartnerProfile> pack_profile(const PackOptions& o) {
  as2::PartnerProfile p;
  p.as2_id = o.to;
  p.sign_outbound = !o.no_sign;
  p.encrypt_outbound = !o.no_encrypt;
  const auto digest = as2::parse_digest_name(o.digest);
  const auto cipher = as2::parse_cipher_name(o.cipher);
  if (!digest) return as2::Error{as2::ErrorCode::bad_input, "unknown digest " + o.digest};
  if (!cipher) return as2::Error{as2::ErrorCode::bad_input, "unknown cipher " + o.cipher};
  p.sign.digest = *digest;
  p.encrypt.cipher = *cipher;
  p.encrypt.rsa_oaep = o.oaep;
  p.compression = o.compress == "before"  ? as2::Compression::before_signing
                  : o.compress == "after" ? as2::Compression::after_signing
                                          : as2::Compression::none;
  if (p.encrypt_outbound) {
    auto cert = load_certificate_file(o.partner_cert);
    if (!cert) return cert.error();
    p.certificate = *cert;
  }
  return p;
}

int run_pack(const PackOptions& o) {
  auto payload = as2::read_file_bytes(o.file);
  if (!payload) return fail(payload.error().message);
  auto profile = pack_profile(o);
  if (!profile) return fail(profile.error().message);
  as2::LocalStation local{o.from, {}, {}};
  if (profile->sign_outbound) {
    auto id = load_identity(o.keys);
    if (!id) return fail(id.error().message);
    local.identity = *id;
  }
  as2::PackRequest request;
  request.payload = *payload;
  request.content_type = o.content_type;
  request.message_id = o.message_id;
  request.mdn.requested = !o.no_mdn;
  request.mdn.signed_receipt = !o.unsigned_mdn;
  request.mdn.micalg = profile->sign.digest;
  request.mdn.async_url = o.async_url;
  auto packed = as2::pack(request, local, *profile);
  if (!packed) return fail(packed.error().message);
  if (!write_bytes(o.out, as2::build_entity(packed->http.headers, packed->http.body)))
    return fail("cannot write " + o.out);
  std::cout << "Message-ID: " << packed->message_id
            << "\nExpected-MIC: " << packed->expected_mic.to_string() << "\n";
  return 0;
}

nlohmann::json outcome_json(const as2::ReceiveOutcome& r) {
  nlohmann::json j{{"disposition", std::string(as2::disposition_text(r.disposition))},
                   {"error", r.error},
                   {"as2_from", r.as2_from},
                   {"as2_to", r.as2_to},
                   {"message_id", r.message_id},
                   {"signed", r.was_signed},
                   {"encrypted", r.was_encrypted},
                   {"authenticated_encryption", r.authenticated_encryption},
                   {"content_cipher", r.content_cipher},
                   {"compressed", r.was_compressed},
                   {"content_type", r.payload_content_type},
                   {"payload_bytes", r.payload.size()},
                   {"signer", r.signer_subject},
                   {"mic", r.mic ? r.mic->to_string() : ""}};
  if (r.signature_digest)
    j["signature_digest"] = std::string(as2::digest_name(*r.signature_digest));
  j["signed_attributes"] = r.signature_had_attributes;
  return j;
}

// `j` as indented JSON, or one "key: value" line per member. What a partner sent may not be
// UTF-8: such bytes print as U+FFFD rather than end the command with an exception.
void print_fields(const nlohmann::json& j, bool json) {
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;
  if (json) {
    std::cout << j.dump(2, ' ', false, kReplace) << "\n";
    return;
  }
  for (const auto& [key, value] : j.items()) {
    std::cout << key << ": "
              << (value.is_string() ? value.get<std::string>()
                                    : value.dump(-1, ' ', false, kReplace))
              << "\n";
  }
}

void print_outcome(const as2::ReceiveOutcome& r, bool json) { print_fields(outcome_json(r), json); }

int run_unpack(const UnpackOptions& o) {
  auto saved = read_saved(o.file);
  if (!saved) return fail(saved.error().message);
  auto id = load_identity(o.keys);
  if (!id) return fail(id.error().message);
  as2::PartnerProfile partner;
  partner.require_signed = o.require_signed;
  partner.require_encrypted = o.require_encrypted;
  if (!o.partner_cert.empty()) {
    auto cert = load_certificate_file(o.partner_cert);
    if (!cert) return fail(cert.error().message);
    partner.certificate = *cert;
  }
  // Debugging tool: accept whatever AS2-From/AS2-To the file names, with the given keys.
  std::string to(as2::find_header(saved->first, "AS2-To"));
  if (to.size() >= 2 && to.front() == '"') to = to.substr(1, to.size() - 2);
  const as2::LocalStation local{to, *id, {}};
  const as2::PartnerLookup lookup = [&](std::string_view from) {
    partner.as2_id = std::string(from);
    return &partner;
  };
  const as2::ReceiveOutcome r = as2::receive(saved->first, saved->second, local, lookup);
  print_outcome(r, o.json);
  if (!o.out.empty() && as2::is_positive(r.disposition) && !write_bytes(o.out, r.payload))
    return fail("cannot write " + o.out);
  if (!o.mdn_out.empty() && r.mdn &&
      !write_bytes(o.mdn_out, as2::build_entity(r.mdn->headers, r.mdn->body)))
    return fail("cannot write " + o.mdn_out);
  return as2::is_positive(r.disposition) ? 0 : 1;
}

int run_mdn(const MdnOptions& o) {
  auto saved = read_saved(o.file);
  if (!saved) return fail(saved.error().message);
  as2::Certificate partner;
  if (!o.partner_cert.empty()) {
    auto cert = load_certificate_file(o.partner_cert);
    if (!cert) return fail(cert.error().message);
    partner = *cert;
  }
  auto mdn =
      as2::parse_mdn(saved->first, saved->second, o.partner_cert.empty() ? nullptr : &partner);
  if (!mdn) {
    std::cerr << "edigate: MDN rejected: " << mdn.error().message << "\n";
    return 1;
  }
  nlohmann::json j{{"disposition", mdn->disposition},
                   {"known_disposition", mdn->status.has_value()},
                   {"positive", mdn->status && as2::is_positive(*mdn->status)},
                   {"signed", mdn->signed_mdn},
                   {"original_message_id", mdn->original_message_id},
                   {"received_mic", mdn->received_mic ? mdn->received_mic->to_string() : ""}};
  bool ok = mdn->status && as2::is_positive(*mdn->status);
  if (!o.expect_mic.empty()) {
    const auto expected = as2::parse_mic(o.expect_mic);
    const bool match =
        expected && mdn->received_mic && as2::mic_matches(*expected, *mdn->received_mic);
    j["mic_matches"] = match;
    ok = ok && match;
  }
  print_fields(j, o.json);
  return ok ? 0 : 1;
}

int run_send(const SendCommandOptions& o) {
  auto saved = read_saved(o.file);
  if (!saved) return fail(saved.error().message);
  as2::PartnerProfile partner;
  auto cert = load_certificate_file(o.partner_cert);
  if (!cert) return fail(cert.error().message);
  partner.certificate = *cert;
  const auto mic = as2::parse_mic(o.expect_mic);
  if (!mic) return fail("--expect-mic must be \"value, algorithm\"");
  as2::PackedMessage message{{saved->first, saved->second},
                             std::string(as2::find_header(saved->first, "Message-ID")),
                             *mic};
  as2::SendOptions options;
  options.url = o.url;
  options.max_attempts = o.attempts;
  options.ca_file = o.ca_file;
  options.client_cert_file = o.tls_cert;
  options.client_key_file = o.tls_key;
  const as2::SendOutcome out = as2::send(message, partner, options);
  const char* status = out.status == as2::SendStatus::delivered  ? "delivered"
                       : out.status == as2::SendStatus::rejected ? "rejected"
                                                                 : "gave up";
  std::cout << "status: " << status << "\nattempts: " << out.attempts
            << "\nhttp_status: " << out.http_status << "\n";
  if (out.mdn) {
    std::cout << "mdn_disposition: " << out.mdn->disposition
              << "\nmdn_signed: " << out.mdn->signed_mdn
              << "\nmdn_mic: " << (out.mdn->received_mic ? out.mdn->received_mic->to_string() : "")
              << "\n";
  }
  if (!out.error.empty()) std::cout << "error: " << out.error << "\n";
  return out.status == as2::SendStatus::delivered ? 0 : 1;
}

void add_send(CLI::App* as2, int& exit_code) {
  auto o = std::make_shared<SendCommandOptions>();
  CLI::App* c = as2->add_subcommand("send", "POST a packed message to a partner and check the MDN");
  c->add_option("URL", o->url, "Partner AS2 URL (http or https)")->required();
  c->add_option("FILE", o->file, "Message written by `edigate as2 pack`")->required();
  c->add_option("--partner-cert", o->partner_cert, "Certificate the partner signs MDNs with")
      ->required();
  c->add_option("--expect-mic", o->expect_mic, "Expected-MIC printed by pack")->required();
  c->add_option("--attempts", o->attempts, "Attempts (retries reuse the Message-ID)")
      ->capture_default_str();
  c->add_option("--cacert", o->ca_file, "CA file for an https URL");
  c->add_option("--tls-cert", o->tls_cert, "Client certificate (PEM) for an https URL that asks");
  c->add_option("--tls-key", o->tls_key, "Its private key (PEM; default: in --tls-cert)");
  c->callback([o, &exit_code] { exit_code = run_send(*o); });
}

void add_pack(CLI::App* as2, int& exit_code) {
  auto o = std::make_shared<PackOptions>();
  CLI::App* c =
      as2->add_subcommand("pack", "Build an AS2 message (headers + body) from a payload file");
  c->add_option("FILE", o->file, "Payload file")->required();
  c->add_option("-o,--out", o->out, "Where to write the message")->required();
  c->add_option("--from", o->from, "Our AS2 id (AS2-From)")->required();
  c->add_option("--to", o->to, "Partner AS2 id (AS2-To)")->required();
  o->keys.add_to(c, "Our signing");
  c->add_option("--partner-cert", o->partner_cert, "Partner certificate to encrypt to");
  c->add_option("--content-type", o->content_type)->capture_default_str();
  c->add_option("--digest", o->digest, "sha-256, sha-384, sha-512")->capture_default_str();
  c->add_option("--cipher", o->cipher, "aes128-cbc, aes192-cbc, aes256-cbc, aes128-gcm, aes256-gcm")
      ->capture_default_str();
  c->add_option("--compress", o->compress, "none, before (signing) or after")
      ->check(CLI::IsMember({"none", "before", "after"}))
      ->capture_default_str();
  c->add_option("--message-id", o->message_id, "Reuse a Message-ID (a retry)");
  c->add_option("--async-mdn-url", o->async_url, "Ask for an asynchronous MDN at this URL");
  c->add_flag("--no-sign", o->no_sign);
  c->add_flag("--no-encrypt", o->no_encrypt);
  c->add_flag("--oaep", o->oaep, "RSA-OAEP key transport");
  c->add_flag("--no-mdn", o->no_mdn);
  c->add_flag("--unsigned-mdn", o->unsigned_mdn);
  c->callback([o, &exit_code] { exit_code = run_pack(*o); });
}

void add_unpack(CLI::App* as2, int& exit_code) {
  auto o = std::make_shared<UnpackOptions>();
  CLI::App* c =
      as2->add_subcommand("unpack", "Open a saved AS2 message: payload, what it was, MIC, MDN");
  c->add_option("FILE", o->file, "Saved message (headers, blank line, body)")->required();
  o->keys.add_to(c, "Our decryption");
  c->add_option("--partner-cert", o->partner_cert, "Partner certificate that must have signed it");
  c->add_option("-o,--out", o->out, "Write the payload here");
  c->add_option("--mdn-out", o->mdn_out, "Write the MDN we would return here");
  c->add_flag("--json", o->json);
  c->add_flag("--require-signed", o->require_signed);
  c->add_flag("--require-encrypted", o->require_encrypted);
  c->callback([o, &exit_code] { exit_code = run_unpack(*o); });
}

void add_mdn(CLI::App* as2, int& exit_code) {
  auto o = std::make_shared<MdnOptions>();
  CLI::App* c =
      as2->add_subcommand("mdn", "Parse and verify a saved MDN; show disposition and MIC");
  c->add_option("FILE", o->file, "Saved MDN (headers, blank line, body)")->required();
  c->add_option("--partner-cert", o->partner_cert, "Certificate a signed MDN must verify with");
  c->add_option("--expect-mic", o->expect_mic, "The MIC we computed when sending (\"value, alg\")");
  c->add_flag("--json", o->json);
  c->callback([o, &exit_code] { exit_code = run_mdn(*o); });
}

}  // namespace

void add_as2_commands(CLI::App& app, int& exit_code) {
  CLI::App* as2 = app.add_subcommand("as2", "Pack, unpack and check AS2 messages and MDNs");
  as2->require_subcommand(1);
  add_pack(as2, exit_code);
  add_unpack(as2, exit_code);
  add_mdn(as2, exit_code);
  add_send(as2, exit_code);
}

}  // namespace edigate::cli
