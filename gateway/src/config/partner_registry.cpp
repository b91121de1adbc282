#include "config/partner_registry.hpp"

#include "config/token_hash.hpp"

namespace edigate::gateway::config {

PartnerRegistry::PartnerRegistry(std::shared_ptr<const GatewayConfig> config)
    : config_(std::move(config)) {
  for (const PartnerProfile& p : config_->partners) {
    by_id_.emplace(p.id, &p);
    if (p.as2) by_as2_id_.emplace(p.as2->id, &p);
  }
}

namespace {
const PartnerProfile* find(const std::unordered_map<std::string_view, const PartnerProfile*>& m,
                           std::string_view key) {
  const auto it = m.find(key);
  return it == m.end() ? nullptr : it->second;
}
}  // namespace

const PartnerProfile* PartnerRegistry::by_id(std::string_view id) const { return find(by_id_, id); }

const PartnerProfile* PartnerRegistry::by_as2_id(std::string_view as2_id) const {
  return find(by_as2_id_, as2_id);
}

const PartnerProfile* PartnerRegistry::by_upload_token(std::string_view token) const {
  const Sha256 presented = sha256_of(token);
  const PartnerProfile* match = nullptr;
  for (const PartnerProfile& p : config_->partners) {
    for (const Sha256& stored : p.upload.token_sha256) {
      // No early exit: every stored hash is compared whatever matched before.
      if (equal_constant_time(presented, stored) && match == nullptr) match = &p;
    }
  }
  return match;
}

const PartnerProfile* PartnerRegistry::by_client_cert(const Sha256& fingerprint) const {
  for (const PartnerProfile& p : config_->partners) {
    for (const Sha256& stored : p.upload.client_cert_sha256) {
      if (equal_constant_time(fingerprint, stored)) return &p;
    }
  }
  return nullptr;
}

}  // namespace edigate::gateway::config
