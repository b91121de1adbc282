// The pieces of load_config(): reading edigate.xml and reading one partner profile. Each
// appends its problems to `issues` and fills what it could.
#pragma once

#include <vector>

#include "config/config.hpp"
#include "config/xml_file.hpp"

namespace edigate::gateway::config {

// Fills `config` from a checked edigate.xml (files named in it are checked too; our private
// keys only with Keys::load).
void read_gateway(const XmlFile& xml, GatewayConfig& config, std::vector<ConfigIssue>& issues,
                  Keys keys);

// Reads a checked partner profile; its mapping directory is loaded against the standard maps
// of `gateway`, and its routes must name connectors of `gateway`.
PartnerProfile read_partner(const XmlFile& xml, const GatewayConfig& gateway,
                            std::vector<ConfigIssue>& issues);

}  // namespace edigate::gateway::config
