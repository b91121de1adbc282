#include "connection.hpp"

#define WITH_SERVER
#include <libssh/server.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <semaphore>

#include "algorithms.hpp"
#include "jail.hpp"
#include "log.hpp"
#include "sftp_session.hpp"

namespace edigate::sftp {
namespace {

using Clock = std::chrono::steady_clock;

bool key_authorized(const PartnerAccount& partner, ssh_key offered) {
  for (const std::string& line : partner.authorized_keys) {
    // "type base64 [comment]"
    const std::size_t sp1 = line.find(' ');
    if (sp1 == std::string::npos) continue;
    const std::size_t sp2 = line.find(' ', sp1 + 1);
    const std::string type = line.substr(0, sp1);
    const std::string b64 = line.substr(sp1 + 1, sp2 == std::string::npos ? sp2 : sp2 - sp1 - 1);
    ssh_key key = nullptr;
    if (ssh_pki_import_pubkey_base64(b64.c_str(), ssh_key_type_from_name(type.c_str()), &key) !=
        SSH_OK) {
      continue;
    }
    const bool same = ssh_key_cmp(key, offered, SSH_KEY_CMP_PUBLIC) == 0;
    ssh_key_free(key);
    if (same) return true;
  }
  return false;
}

const PartnerAccount* find_partner(const std::vector<PartnerAccount>& partners, const char* user) {
  if (user == nullptr) return nullptr;
  for (const PartnerAccount& p : partners) {
    if (p.id == user) return &p;
  }
  return nullptr;
}

enum class AuthStep { pending, success, failure };

// ssh_message_auth_publickey_state is marked deprecated in 0.10 in favour of callbacks; the
// message API keeps the whole authentication in one readable loop.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
AuthStep try_publickey(ssh_message msg, const PartnerAccount* partner) {
  const bool match = partner != nullptr && key_authorized(*partner, ssh_message_auth_pubkey(msg));
  const enum ssh_publickey_state_e state = ssh_message_auth_publickey_state(msg);
  if (match && state == SSH_PUBLICKEY_STATE_NONE) {
    ssh_message_auth_reply_pk_ok_simple(msg);
    return AuthStep::pending;
  }
  if (match && state == SSH_PUBLICKEY_STATE_VALID) {
    ssh_message_auth_reply_success(msg, 0);
    return AuthStep::success;
  }
  return AuthStep::failure;
}

// Every password attempt costs one scrypt run, whoever the user: an unknown user or a partner
// without password authentication is checked against this dummy, so the reply and its timing
// do not tell which of the three failed.
const PasswordHash& dummy_password_hash() {
  static const PasswordHash dummy{ScryptParams{}, std::vector<unsigned char>(kPasswordSaltBytes, 0),
                                  std::vector<unsigned char>(kPasswordKeyBytes, 0)};
  return dummy;
}

// scrypt's work area is 32 MiB per check with the default parameters; bounding the checks that
// run at once bounds that memory whatever the number of connections.
std::counting_semaphore<kMaxConcurrentPasswordChecks> password_checks(kMaxConcurrentPasswordChecks);

AuthStep try_password(ssh_message msg, const PartnerAccount* partner, std::string& why) {
  const char* given = ssh_message_auth_password(msg);
  const std::string_view password = given != nullptr ? given : "";
  const bool enabled = partner != nullptr && partner->password.has_value();
  password_checks.acquire();
  const bool match =
      verify_password(password, enabled ? *partner->password : dummy_password_hash());
  password_checks.release();
  if (match && enabled) {
    ssh_message_auth_reply_success(msg, 0);
    return AuthStep::success;
  }
  why = partner == nullptr ? "unknown user"
        : !enabled         ? "password authentication not enabled for this partner"
                           : "wrong password";
  return AuthStep::failure;
}
#pragma GCC diagnostic pop

const char* method_name(int method) {
  switch (method) {
    case SSH_AUTH_METHOD_NONE:
      return "none";
    case SSH_AUTH_METHOD_PASSWORD:
      return "password";
    case SSH_AUTH_METHOD_PUBLICKEY:
      return "publickey";
    case SSH_AUTH_METHOD_HOSTBASED:
      return "hostbased";
    case SSH_AUTH_METHOD_INTERACTIVE:
      return "keyboard-interactive";
    default:
      return "other";
  }
}

// True once the login grace time is (as good as) over; libssh's timeouts end a blocking call
// at about the deadline, not necessarily after it.
bool grace_over(Clock::time_point deadline) {
  return Clock::now() + std::chrono::milliseconds(100) >= deadline;
}

// Each blocking read gets only what is left of the grace time, so a client that sends a
// message now and then cannot stretch its login beyond login_grace_seconds.
void limit_wait_to(ssh_session session, Clock::time_point deadline) {
  using std::chrono::microseconds;
  // At least 10 ms: a zero timeout would mean "no timeout" to libssh.
  const auto left = std::max<microseconds>(
      microseconds(10000), std::chrono::duration_cast<microseconds>(deadline - Clock::now()));
  long seconds = static_cast<long>(left.count() / 1000000);
  long usec = static_cast<long>(left.count() % 1000000);
  ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &seconds);
  ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

const PartnerAccount* authenticate(ssh_session session, const ServerConfig& config,
                                   const std::vector<PartnerAccount>& partners,
                                   Clock::time_point deadline) {
  std::uint32_t failures = 0;
  // The methods offered are the same for every user name, so the reply does not tell which
  // users exist or which of them may use a password.
  const bool password_offered = std::any_of(partners.begin(), partners.end(),
                                            [](const PartnerAccount& p) { return p.password; });
  const int methods = static_cast<int>(SSH_AUTH_METHOD_PUBLICKEY |
                                       (password_offered ? SSH_AUTH_METHOD_PASSWORD : 0u));
  while (Clock::now() < deadline) {
    limit_wait_to(session, deadline);
    ssh_message msg = ssh_message_get(session);
    if (msg == nullptr) {
      if (grace_over(deadline)) break;
      log_event(std::string("connection ended before authentication: ") + ssh_get_error(session));
      return nullptr;
    }
    if (ssh_message_type(msg) == SSH_REQUEST_SERVICE) {
      // "ssh-userauth" is the one service: libssh's default reply accepts it.
      ssh_message_reply_default(msg);
      ssh_message_free(msg);
      continue;
    }
    if (ssh_message_type(msg) != SSH_REQUEST_AUTH) {
      // Nothing but authentication is served before it succeeded (CVE-2018-10933 pattern).
      log_event("refused request type " + std::to_string(ssh_message_type(msg)) +
                " before authentication");
      ssh_message_reply_default(msg);
      ssh_message_free(msg);
      return nullptr;
    }
    const char* user = ssh_message_auth_user(msg);
    const PartnerAccount* partner = find_partner(partners, user);
    const int method = ssh_message_subtype(msg);
    AuthStep step = AuthStep::failure;
    std::string why;
    if (method == SSH_AUTH_METHOD_PUBLICKEY) step = try_publickey(msg, partner);
    if (method == SSH_AUTH_METHOD_PASSWORD && password_offered) {
      step = try_password(msg, partner, why);
    }
    if (step == AuthStep::success) {
      log_event("partner=" + partner->id + " logged in with " + method_name(method));
      ssh_message_free(msg);
      return partner;
    }
    if (step == AuthStep::failure) {
      // The "none" probe every client sends first does not count as an attempt.
      if (method != SSH_AUTH_METHOD_NONE) {
        ++failures;
        log_event("authentication failed for user '" + std::string(user ? user : "") +
                  "' method=" + method_name(method) + (why.empty() ? "" : " (" + why + ")"));
      }
      ssh_message_auth_set_methods(msg, methods);
      ssh_message_reply_default(msg);
    }
    ssh_message_free(msg);
    if (failures >= config.limits.max_auth_attempts) {
      log_event("too many authentication attempts (max_auth_attempts): disconnecting");
      return nullptr;
    }
  }
  log_event("login grace time exceeded (login_grace_seconds=" +
            std::to_string(config.limits.login_grace_seconds) + "): disconnecting");
  return nullptr;
}

// Waits for a session channel and its "sftp" subsystem request; refuses shells, exec, forwarding.
ssh_channel open_sftp_channel(ssh_session session, const PartnerAccount& partner) {
  ssh_channel channel = nullptr;
  while (true) {
    ssh_message msg = ssh_message_get(session);
    if (msg == nullptr) break;
    const int type = ssh_message_type(msg);
    const int subtype = ssh_message_subtype(msg);
    if (type == SSH_REQUEST_CHANNEL_OPEN && subtype == SSH_CHANNEL_SESSION && channel == nullptr) {
      channel = ssh_message_channel_request_open_reply_accept(msg);
    } else if (type == SSH_REQUEST_CHANNEL && subtype == SSH_CHANNEL_REQUEST_SUBSYSTEM &&
               channel != nullptr &&
               std::strcmp(ssh_message_channel_request_subsystem(msg), "sftp") == 0) {
      ssh_message_channel_request_reply_success(msg);
      ssh_message_free(msg);
      return channel;
    } else {
      if (!(type == SSH_REQUEST_CHANNEL && subtype == SSH_CHANNEL_REQUEST_ENV)) {
        log_event("partner=" + partner.id + " refused request type=" + std::to_string(type) +
                  " subtype=" + std::to_string(subtype) + " (only the sftp subsystem is served)");
      }
      ssh_message_reply_default(msg);
    }
    ssh_message_free(msg);
  }
  if (channel != nullptr) ssh_channel_free(channel);
  return nullptr;
}

void serve_partner(ssh_session session, const PartnerAccount& partner,
                   const ConnectionContext& ctx) {
  std::string negotiated;
  if (!negotiated_modern(session, negotiated) && !partner.legacy_algorithms) {
    log_event("partner=" + partner.id + " used legacy algorithms without opt-in (" + negotiated +
              "): disconnecting");
    return;
  }
  long idle = static_cast<long>(ctx.config.limits.idle_seconds);
  long no_usec = 0;  // the login phase's fraction of a second must not add to the idle time
  ssh_options_set(session, SSH_OPTIONS_TIMEOUT, &idle);
  ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &no_usec);
  ssh_channel channel = open_sftp_channel(session, partner);
  if (channel == nullptr) return;
  Jail jail;
  if (Status s = jail.open(partner.jail_dir); !s.ok()) {
    log_event("partner=" + partner.id + " " + s.message);
  } else {
    serve_sftp_channel(session, channel, partner, ctx.config.limits, ctx.sink, jail);
  }
  ssh_channel_send_eof(channel);
  ssh_channel_close(channel);
  ssh_channel_free(channel);
}

}  // namespace

void serve_connection(ssh_session session, const ConnectionContext& ctx) {
  // Key exchange and authentication together must finish within the grace time.
  const auto deadline = Clock::now() + std::chrono::seconds(ctx.config.limits.login_grace_seconds);
  limit_wait_to(session, deadline);
  if (ssh_handle_key_exchange(session) != SSH_OK) {
    log_event(grace_over(deadline)
                  ? "login grace time exceeded during key exchange (login_grace_seconds=" +
                        std::to_string(ctx.config.limits.login_grace_seconds) + "): disconnecting"
                  : std::string("key exchange failed: ") + ssh_get_error(session));
  } else if (const PartnerAccount* partner =
                 authenticate(session, ctx.config, *ctx.partners, deadline)) {
    if (!ctx.admit(partner->id)) {
      log_event("partner=" + partner->id + " over max_sessions_per_partner: disconnecting");
    } else {
      serve_partner(session, *partner, ctx);
      ctx.release(partner->id);
      log_event("partner=" + partner->id + " session ended");
    }
  }
  ssh_disconnect(session);
  ssh_free(session);
}

}  // namespace edigate::sftp
