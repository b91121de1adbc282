// Finding the partner behind inbound traffic: by profile id, by AS2 id (AS2-From), by upload
// token and by client certificate. Built once per loaded configuration and immutable, so it
// is shared by threads and swapped together with the configuration on reload.
#pragma once

#include <memory>
#include <string_view>
#include <unordered_map>

#include "config/config.hpp"

namespace edigate::gateway::config {

class PartnerRegistry {
 public:
  explicit PartnerRegistry(std::shared_ptr<const GatewayConfig> config);

  // Null when no partner matches. The pointers live as long as the registry.
  const PartnerProfile* by_id(std::string_view id) const;
  const PartnerProfile* by_as2_id(std::string_view as2_id) const;  // case sensitive (RFC 4130)
  // The presented token is hashed and compared with every partner's token hashes in constant
  // time, all of them, so timing tells nothing about which (or how much) matched.
  const PartnerProfile* by_upload_token(std::string_view token) const;
  // SHA-256 of the client certificate's DER, as config::sha256_of(der) computes it.
  const PartnerProfile* by_client_cert(const Sha256& fingerprint) const;

  const GatewayConfig& config() const { return *config_; }

 private:
  std::shared_ptr<const GatewayConfig> config_;
  std::unordered_map<std::string_view, const PartnerProfile*> by_id_, by_as2_id_;
};

}  // namespace edigate::gateway::config
