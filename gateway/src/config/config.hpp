// The gateway's configuration: edigate.xml and one profile per trading partner
// (docs/operations.md, "Configuration" and "Partners").
//
//   config::LoadResult loaded = config::load_config("/etc/edigate/edigate.xml");
//   if (!loaded.ok()) for (const auto& i : loaded.issues) std::cerr << i.to_string() << "\n";
//   std::shared_ptr<const config::GatewayConfig> cfg = loaded.config;
//
// Both files are XSD-checked (gateway/schema/*.xsd, compiled in; no DTD, no external entities)
// before they are read, then cross-checked: routes name existing connectors, partner ids and AS2
// ids are unique, certificate and key files load, secret files are readable, and each partner's
// mapping directory compiles. Every problem is reported as "file:line: message", all at once.
//
// A loaded GatewayConfig is immutable and shared (shared_ptr<const GatewayConfig>): a reload
// builds a new one and swaps the pointer, so readers never see a half-applied configuration.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "edigate/as2/cms.hpp"
#include "edigate/as2/credentials.hpp"
#include "edigate/as2/limits.hpp"
#include "edigate/as2/mic.hpp"
#include "edigate/as2/partner.hpp"
#include "edigate/edi/limits.hpp"
#include "edigate/edi/mapping.hpp"
#include "edigate/sftp/limits.hpp"
#include "edigate/sftp/password_hash.hpp"
#include "edigate/sftp/server_config.hpp"

namespace edigate::gateway::config {

namespace fs = std::filesystem;

using Sha256 = std::array<std::uint8_t, 32>;

inline constexpr const char* kDefaultConfigPath = "/etc/edigate/edigate.xml";

// One configuration problem: "file:line: message", or "file: message" (line 0) when it is
// about the file as a whole.
struct ConfigIssue {
  std::string file;
  long line = 0;
  std::string message;
  std::string to_string() const;
};

// Where the configuration names something (a certificate), for messages about it made after
// loading: the file as issues name it and the line of the element.
struct ConfigPlace {
  std::string file;
  long line = 0;
};

// A secret held in memory (the passphrase of our encrypted keys): its bytes are overwritten
// when it is destroyed, so a dropped configuration does not leave it in freed memory.
class SecretText {
 public:
  SecretText() = default;
  explicit SecretText(std::string text) : text_(std::move(text)) {}
  SecretText(const SecretText&) = default;
  SecretText(SecretText&&) = default;
  SecretText& operator=(const SecretText&) = default;
  SecretText& operator=(SecretText&&) = default;
  ~SecretText();
  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

// What an HTTP listener serves.
struct Endpoints {
  bool as2 = false;     // POST of AS2 messages from partners
  bool upload = false;  // HTTPS upload API for partners (token or client certificate)
  bool mdn = false;     // asynchronous MDNs for messages we sent
};

struct ListenerConfig {
  std::string name;  // "http-<index>" or "https-<index>": metric labels, log lines
  std::string address;
  std::uint16_t port = 0;
  bool tls = false;
  fs::path cert, key;            // PEM; tls only
  as2::Certificate certificate;  // of `cert`, loaded at check time (the daemon reads it again)
  ConfigPlace place;
  fs::path client_ca;  // empty: no client certificates requested
  Endpoints serves;
};

// What an admin token may do on the admin API (<token scopes="...">).
enum AdminScope : unsigned {
  kScopeRead = 1,      // read: partners, messages and their documents, jobs, sent AS2 messages
  kScopeRaw = 2,       // raw: the bytes of messages and MDNs (partners' data)
  kScopeOperate = 4,   // operate: resend, reprocess
  kScopeOutbound = 8,  // outbound: POST /api/outbound, and read the outbound messages
  kScopeAll = 15,
};
// "read" -> kScopeRead, ...; 0 for any other word.
unsigned admin_scope(std::string_view word);
std::string_view admin_scope_name(unsigned scope);

struct AdminToken {
  std::string name;
  Sha256 sha256{};              // of the bearer token; the token itself is never stored
  unsigned scopes = kScopeAll;  // AdminScope bits; every one when the token names none
  // <token partners="...">: the partners whose messages it may see and act on; empty: all.
  std::vector<std::string> partners;

  bool sees(std::string_view partner) const {
    return partners.empty() ||
           std::find(partners.begin(), partners.end(), partner) != partners.end();
  }
};

struct AdminConfig {
  static constexpr const char* kDefaultAddress = "127.0.0.1";  // loopback unless told otherwise
  static constexpr std::uint16_t kDefaultPort = 9090;
  std::string address = kDefaultAddress;
  std::uint16_t port = kDefaultPort;
  std::vector<AdminToken> tokens;
  ConfigPlace place;  // of <admin>, when there is one
  // HTTPS when `cert` and `key` are given (TLS 1.2/1.3 like the partner listeners).
  bool tls = false;
  fs::path cert, key;
  as2::Certificate certificate;  // of `cert`, loaded at check time
};

struct StoreConfig {
  fs::path database;  // SQLite file
  fs::path spool;     // payload directory
  // Retention: messages received more than this many days ago whose work has ended are purged
  // by the daemon (store::Store::purge); 0 keeps everything.
  int retain_days = 0;
};

// Every untrusted size and time the gateway enforces, with its setting in <limits>.
struct Limits {
  static constexpr std::size_t kDefaultHeaderBytes = 16 * 1024;
  static constexpr std::uint64_t kDefaultBodyBytes = 100ull * 1024 * 1024;
  static constexpr unsigned kDefaultIdleSeconds = 30;
  static constexpr unsigned kDefaultRequestSeconds = 300;
  static constexpr unsigned kDefaultConnections = 512;
  static constexpr unsigned kDefaultConnectionsPerIp = 16;
  static constexpr std::uint64_t kDefaultDecompressedBytes = as2::kDefaultMaxDecompressedBytes;
  static constexpr std::uint64_t kDefaultRefusedKeepBytes = 64 * 1024;

  std::size_t header_bytes = kDefaultHeaderBytes;     // one request's header block
  std::uint64_t body_bytes = kDefaultBodyBytes;       // one request's body, as received
  unsigned idle_seconds = kDefaultIdleSeconds;        // no byte received for this long: close
  unsigned request_seconds = kDefaultRequestSeconds;  // a request body, slow senders included
  unsigned connections = kDefaultConnections;         // open at once, all clients
  unsigned connections_per_ip = kDefaultConnectionsPerIp;
  std::uint64_t decompressed_bytes = kDefaultDecompressedBytes;  // AS2 compressed data (bombs)
  // Of an AS2 request we refuse (not authenticated, so anyone's), the body's first this many
  // bytes are stored as evidence, with the size and SHA-256 of all of it.
  std::uint64_t refused_keep_bytes = kDefaultRefusedKeepBytes;
  edi::Limits edi;  // <limits><edi .../>
};

struct Workers {
  static constexpr unsigned kDefaultCount = 4;
  static constexpr unsigned kMaxCount = 256;
};

// Our AS2 station: the id partners send to, the key and certificate we sign and decrypt with.
struct As2Station {
  std::string our_id;
  fs::path key, cert;
  as2::Identity identity;  // loaded at check time
  ConfigPlace place;
  // Keys of certificates we replaced that partners may still encrypt to (<previous>).
  struct Previous {
    std::string name;
    fs::path key, cert;
    as2::Identity identity;  // loaded at check time
    ConfigPlace place;
  };
  std::vector<Previous> previous;
  const Previous* find_previous(std::string_view name) const {
    for (const Previous& p : previous) {
      if (p.name == name) return &p;
    }
    return nullptr;
  }
  // Our public URL for asynchronous MDNs (Receipt-Delivery-Option); empty: we can only ask
  // for synchronous ones.
  std::string mdn_url;
  // A TLS client certificate we present to partners' HTTPS endpoints that ask for one (our
  // messages and async MDNs to them); empty: none.
  fs::path tls_cert, tls_key;
  as2::Certificate tls_certificate;  // of `tls_cert`, loaded at check time
};

// HTTP connector authentication. Secrets stay in their files, never in the configuration; a
// connector reads them once, when it is built (at start and at each reload), so a rotated
// secret takes effect at the next reload.
struct NoAuth {};
struct BearerAuth {
  fs::path token_file;
};
struct BasicAuth {
  std::string user;
  fs::path password_file;
};
struct OAuth2Auth {
  std::string token_url, client_id;
  fs::path client_secret_file;
  std::string scope;
};
struct HmacAuth {
  fs::path secret_file;
  std::string header = "X-Edigate-Signature";
  std::string algorithm = "sha256";  // sha256 | sha384 | sha512
};
using HttpAuth = std::variant<NoAuth, BearerAuth, BasicAuth, OAuth2Auth, HmacAuth>;

struct HttpConnector {
  static constexpr unsigned kDefaultTimeoutSeconds = 30;
  static constexpr unsigned kDefaultMaxAttempts = 10;
  std::string url;
  unsigned timeout_seconds = kDefaultTimeoutSeconds;
  unsigned max_attempts = kDefaultMaxAttempts;
  HttpAuth auth;
  fs::path mtls_cert, mtls_key;       // empty: no client certificate
  as2::Certificate mtls_certificate;  // of mtls_cert, loaded at check time
  ConfigPlace mtls_place;
  fs::path ca;  // empty: the system trust store
};

struct FileConnector {
  fs::path dir;
  bool raw = false;        // true: the received EDI beside the canonical JSON
  bool create_dir = true;  // false: a missing dir is a retried failure, not made
};

struct ConnectorConfig {
  static constexpr unsigned kDefaultBreakerFailures = 5;
  static constexpr unsigned kDefaultBreakerCoolDownSeconds = 30;
  std::string name;
  std::variant<HttpConnector, FileConnector> target;
  // Its circuit breaker: failed deliveries in a row that open it, seconds it then holds.
  unsigned breaker_failures = kDefaultBreakerFailures;
  unsigned breaker_cool_down_seconds = kDefaultBreakerCoolDownSeconds;
};

enum class MdnMode : unsigned char { sync, async };

// A partner's AS2 identity, our inbound policy for it and the MDN we ask for.
struct PartnerAs2 {
  std::string id;
  fs::path cert_file;
  as2::Certificate certificate;  // loaded at check time
  ConfigPlace place;
  std::string url;  // outbound; empty: we never send to them over AS2
  // PEM certificates trusted for their HTTPS endpoints (url, and the async MDN URLs their
  // messages name) instead of the system's: a private CA or their self-signed certificate.
  fs::path tls_ca;
  as2::Certificate tls_ca_certificate;  // its first certificate, loaded at check time
  // The <previous> key of ours we sign for them with (sign-with); empty: our current one.
  std::string sign_with;
  bool require_signed = true;
  bool require_encrypted = true;
  std::vector<as2::DigestAlgorithm> sign_algorithms;   // what we sign with, preferred first
  std::vector<as2::ContentCipher> encrypt_algorithms;  // what we encrypt with, preferred first
  // Inbound: what this partner's messages may use; empty: any supported (3DES included, as
  // interop needs; SHA-1 still only with allow_sha1).
  std::vector<as2::DigestAlgorithm> accept_digests;
  std::vector<as2::ContentCipher> accept_ciphers;
  bool allow_sha1 = false;
  bool allow_3des = false;
  // Where their messages may have our async MDNs posted (<policy async-mdn-urls>): URL
  // prefixes, each scheme://host[:port]/path; empty: any http(s) URL a message names.
  std::vector<std::string> async_mdn_urls;
  static constexpr unsigned kDefaultMdnTimeoutSeconds = 3600;
  MdnMode mdn = MdnMode::sync;
  bool mdn_signed = true;
  as2::DigestAlgorithm micalg = as2::DigestAlgorithm::sha256;
  unsigned mdn_timeout_seconds = kDefaultMdnTimeoutSeconds;  // async: then mdn-timeout
};

// Our AS2 station as the as2 library takes it (the current identity, the previous ones to
// decrypt with), signing for `partner` (when given) with the previous key its sign-with names.
inline as2::LocalStation local_station(const As2Station& s) {
  as2::LocalStation local{s.our_id, s.identity, {}};
  for (const As2Station::Previous& p : s.previous) local.also_decrypt.push_back(p.identity);
  return local;
}
inline as2::Identity sign_as(const As2Station& s, const PartnerAs2& partner) {
  const As2Station::Previous* p =
      partner.sign_with.empty() ? nullptr : s.find_previous(partner.sign_with);
  return p != nullptr ? p->identity : as2::Identity{};
}

// The embedded SFTP server (edigate.xml <sftp>).
struct SftpServer {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;
  fs::path host_keys;         // ssh_host_ed25519_key, ssh_host_rsa_key (made on first start)
  fs::path jails;             // <jails>/<partner id>/inbox, outbox
  sftp::ServerLimits limits;  // <limits> child; max_upload_bytes comes from <limits body-bytes>
};

// A partner's SFTP login (partner profile <sftp>): user name = partner id.
struct PartnerSftp {
  std::vector<std::string> keys;  // OpenSSH public key lines
  bool legacy_algorithms = false;
  std::optional<sftp::PasswordHash> password;  // <password-hash>: password login enabled
  // Upload names held until renamed (temporary-suffixes="..."; "" for none).
  std::vector<std::string> temporary_suffixes = sftp::kDefaultTemporarySuffixes;
};

struct X12Ids {
  std::string qualifier, id, group_id;  // group_id defaults to id
};
struct EdifactIds {
  std::string id, qualifier;
};

struct UploadCredentials {
  std::vector<Sha256> token_sha256;
  std::vector<Sha256> client_cert_sha256;  // SHA-256 of the certificate's DER
};

enum class AckType : unsigned char { automatic, x997, x999, ta1, contrl, none };
enum class AckSend : unsigned char { as2, sftp, none };

// The partner's SFTP server we push to (partner profile <sftp-push>).
struct PartnerSftpPush {
  std::string host;
  std::uint16_t port = 22;
  std::string user;
  fs::path key;                 // our private key (OpenSSH or PEM)
  std::string host_key_sha256;  // "SHA256:..." as ssh-keygen -lf prints it
  std::string dir;              // absolute remote directory
  bool temp_then_rename = true;
};
enum class DuplicatePolicy : unsigned char { reject, warn, accept };

struct Route {
  edi::mapping::DocumentType document = edi::mapping::DocumentType::purchase_order;
  std::string connector;
};

struct PartnerProfile {
  std::string id, name;
  fs::path file;  // the profile it was read from
  std::optional<PartnerAs2> as2;
  std::optional<X12Ids> x12;
  std::optional<EdifactIds> edifact;
  UploadCredentials upload;
  std::optional<PartnerSftp> sftp;
  std::optional<PartnerSftpPush> sftp_push;
  // <https-push connector="NAME">: outbound interchanges POSTed to the partner's API through
  // that <http> connector of edigate.xml (its URL, authentication, TLS, retries); empty: none.
  std::string https_push_connector;
  fs::path mapping_dir;                                  // empty: no maps
  std::shared_ptr<const edi::mapping::Partner> mapping;  // loaded from mapping_dir
  AckType acks = AckType::automatic;
  AckSend ack_send = AckSend::as2;
  DuplicatePolicy duplicates = DuplicatePolicy::reject;
  // <expect-acks within="N">: seconds the partner has, once an outbound message of ours is
  // sent, to acknowledge every document in it before the message is marked overdue; 0: not
  // watched.
  unsigned expect_ack_seconds = 0;
  // <send-retry>: how often what we send them (AS2 messages and acknowledgements, async MDNs,
  // SFTP pushes) is tried before it is given up as a dead letter, and the longest wait between
  // two tries. The waits grow from kFirstSendRetrySeconds (or the longest, when shorter),
  // doubling, each drawn at random below its ceiling. The defaults keep trying for about half a
  // day on average, so that a partner's maintenance night leaves nothing to resend by hand.
  static constexpr unsigned kDefaultSendAttempts = 30;
  static constexpr unsigned kDefaultSendMaxIntervalSeconds = 3600;
  static constexpr unsigned kFirstSendRetrySeconds = 30;
  unsigned send_attempts = kDefaultSendAttempts;
  unsigned send_max_interval_seconds = kDefaultSendMaxIntervalSeconds;
  std::vector<Route> routes;

  // The connector for a document type; null when the partner does not route it.
  const Route* route_for(edi::mapping::DocumentType document) const;
};

struct GatewayConfig {
  fs::path file;  // edigate.xml, absolute
  // <keys>: the passphrase of our encrypted PEM private keys (AS2, TLS listeners, admin,
  // connectors' mTLS, our AS2 TLS client key, SFTP push keys); empty: keys are not encrypted.
  SecretText key_passphrase;
  std::vector<ListenerConfig> listeners;
  AdminConfig admin;
  StoreConfig store;
  Limits limits;
  unsigned workers = Workers::kDefaultCount;
  fs::path partners_dir;
  fs::path standard_maps_dir;
  // Compiled once from standard_maps_dir and shared by every partner's mapping.
  std::vector<std::shared_ptr<const edi::mapping::Map>> standard_maps;
  std::optional<As2Station> as2;
  std::optional<SftpServer> sftp;
  std::vector<ConnectorConfig> connectors;
  // <connectors outbound-status="NAME">: the connector told of each status an outbound message
  // takes; empty: none (the ERP polls GET /api/messages/N).
  std::string outbound_status_connector;
  std::vector<PartnerProfile> partners;  // sorted by file name

  const ConnectorConfig* find_connector(std::string_view name) const;
};

struct [[nodiscard]] LoadResult {
  std::shared_ptr<const GatewayConfig> config;  // null when there are issues
  std::vector<ConfigIssue> issues;
  bool ok() const { return config != nullptr; }
};

// What load_config reads besides the files' own checks.
enum class Keys {
  load,  // our private keys, decrypted with the <keys> passphrase and matched to their
         // certificates: what the daemon and `config check` need
  skip,  // neither the passphrase nor our private keys are read (the config's identities have
         // no key): for a command that only needs names and routes, run outside the service
         // (where a passphrase-credential is not there to read)
};

// Loads and checks edigate.xml at `file` and every partner profile (*.xml) in its partners dir.
LoadResult load_config(const fs::path& file, Keys keys = Keys::load);

// The XSDs, compiled in from gateway/schema/.
const char* edigate_xsd_text();
const char* partner_xsd_text();

}  // namespace edigate::gateway::config
