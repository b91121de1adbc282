// Reads the SFTP server's XML configuration. No DTD, no entities: pugixml is told not to expand.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <pugixml.hpp>
#include <string>

#include "edigate/sftp/server_config.hpp"

namespace edigate::sftp {
namespace {

namespace fs = std::filesystem;

std::string resolve(const fs::path& base, const char* value) {
  const fs::path p(value);
  return (p.is_absolute() ? p : base / p).lexically_normal().string();
}

template <typename T>
bool read_number(const pugi::xml_node& node, const char* name, T& out, std::string& error,
                 unsigned long long most = std::numeric_limits<T>::max()) {
  const pugi::xml_attribute attr = node.attribute(name);
  if (!attr) return true;
  const unsigned long long v = attr.as_ullong(0);
  if (v == 0 || v > most) {
    error =
        std::string("limits/@") + name + " must be a positive number up to " + std::to_string(most);
    return false;
  }
  out = static_cast<T>(v);
  return true;
}

bool read_limits(const pugi::xml_node& node, ServerLimits& l, std::string& error) {
  return read_number(node, "max_packet_bytes", l.max_packet_bytes, error, kMaxPacketBytesCeiling) &&
         read_number(node, "max_read_bytes", l.max_read_bytes, error, kMaxPacketBytesCeiling) &&
         read_number(node, "max_open_handles", l.max_open_handles, error) &&
         read_number(node, "max_sessions_per_partner", l.max_sessions_per_partner, error) &&
         read_number(node, "max_sessions_total", l.max_sessions_total, error) &&
         read_number(node, "max_auth_attempts", l.max_auth_attempts, error) &&
         read_number(node, "idle_seconds", l.idle_seconds, error) &&
         read_number(node, "login_grace_seconds", l.login_grace_seconds, error) &&
         read_number(node, "max_upload_bytes", l.max_upload_bytes, error) &&
         read_number(node, "max_path_bytes", l.max_path_bytes, error) &&
         read_number(node, "max_list_entries", l.max_list_entries, error);
}

Status read_partner(const pugi::xml_node& node, const fs::path& base, PartnerAccount& p) {
  p.id = node.attribute("id").as_string();
  const char* jail = node.attribute("jail").as_string();
  if (p.id.empty() || *jail == '\0') {
    return Status::error(ErrorCode::bad_config, "partner needs id and jail attributes");
  }
  p.jail_dir = resolve(base, jail);
  p.legacy_algorithms = node.attribute("legacy_algorithms").as_bool(false);
  if (const pugi::xml_attribute suffixes = node.attribute("temporary_suffixes")) {
    p.temporary_suffixes = split_suffixes(suffixes.as_string());
    if (Status s = check_temporary_suffixes(p.temporary_suffixes); !s.ok()) {
      return Status::error(ErrorCode::bad_config, "partner '" + p.id + "': " + s.message);
    }
  }
  for (const pugi::xml_node key : node.children("key")) {
    p.authorized_keys.emplace_back(key.text().as_string());
  }
  if (const pugi::xml_node hash = node.child("password_hash")) {
    Result<PasswordHash> parsed = parse_password_hash(hash.text().as_string());
    if (!parsed.ok()) {
      return Status::error(ErrorCode::bad_config,
                           "partner '" + p.id + "': " + parsed.status().message);
    }
    p.password = std::move(parsed.value());
  }
  if (p.authorized_keys.empty() && !p.password) {
    return Status::error(ErrorCode::bad_config,
                         "partner '" + p.id + "' has neither a <key> nor a <password_hash>");
  }
  return Status::success();
}

}  // namespace

std::vector<std::string> split_suffixes(const std::string& list) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < list.size()) {
    const std::size_t end = std::min(list.find(' ', at), list.size());
    if (end > at) out.push_back(list.substr(at, end - at));
    at = end + 1;
  }
  return out;
}

Status check_temporary_suffixes(const std::vector<std::string>& suffixes) {
  if (suffixes.size() > kMaxTemporarySuffixes) {
    return Status::error(ErrorCode::bad_config, "at most " + std::to_string(kMaxTemporarySuffixes) +
                                                    " temporary suffixes");
  }
  for (const std::string& s : suffixes) {
    const bool shaped = s.size() >= 2 && s.size() <= kMaxTemporarySuffixBytes && s[0] == '.' &&
                        std::all_of(s.begin() + 1, s.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' ||
                                 c == '~' || c == '-' || c == '.';
                        });
    if (!shaped) {
      return Status::error(ErrorCode::bad_config, "temporary suffix '" + s +
                                                      "' is not a dot and 1-" +
                                                      std::to_string(kMaxTemporarySuffixBytes - 1) +
                                                      " of letters, digits, '.', '_', '~', '-'");
    }
  }
  return Status::success();
}

bool is_temporary_name(const std::string& name, const std::vector<std::string>& suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&name](const std::string& s) {
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  });
}

Result<ServerConfig> load_server_config(const std::string& path) {
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_file(path.c_str(), pugi::parse_default);
  if (!parsed) {
    return Status::error(ErrorCode::bad_config, path + ": " + parsed.description() + " at offset " +
                                                    std::to_string(parsed.offset));
  }
  const pugi::xml_node root = doc.child("sftp");
  if (!root) return Status::error(ErrorCode::bad_config, path + ": root element must be <sftp>");
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  ServerConfig config;
  config.listen_address = root.attribute("listen").as_string("127.0.0.1");
  const unsigned port = root.attribute("port").as_uint(2222);
  if (port > 65535) return Status::error(ErrorCode::bad_config, path + ": port out of range");
  config.port = static_cast<std::uint16_t>(port);
  config.host_key_dir = resolve(base, root.attribute("host_keys").as_string("host_keys"));
  config.journal_path = resolve(base, root.attribute("journal").as_string("uploads.journal"));
  if (const char* ready = root.attribute("ready_file").as_string(); *ready != '\0') {
    config.ready_file = resolve(base, ready);
  }
  std::string error;
  if (!read_limits(root.child("limits"), config.limits, error)) {
    return Status::error(ErrorCode::bad_config, path + ": " + error);
  }
  for (const pugi::xml_node node : root.children("partner")) {
    PartnerAccount partner;
    if (Status s = read_partner(node, base, partner); !s.ok()) {
      return Status::error(ErrorCode::bad_config, path + ": " + s.message);
    }
    config.partners.push_back(std::move(partner));
  }
  if (config.partners.empty()) {
    return Status::error(ErrorCode::bad_config, path + ": no <partner> defined");
  }
  return config;
}

}  // namespace edigate::sftp
