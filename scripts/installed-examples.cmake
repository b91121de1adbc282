# Run at install time (CMakeLists.txt): the demo edigate.xml and partner profile, rewritten for
# the installed layout (docs/operations.md, "Installing as a service"), so that the examples
# under share/edigate/examples name /etc/edigate, /var/lib/edigate and the installed maps
# rather than the source tree's ./var and ../../mappings.
# In: EDIGATE_SOURCE (the source tree), EDIGATE_DATADIR (the installed share/ directory),
# EDIGATE_OUT (where to write edigate.xml and partners/demo-retailer.xml).

file(READ "${EDIGATE_SOURCE}/gateway/demo/edigate.xml" gateway)
set(header "<!-- An example /etc/edigate/edigate.xml for the installed layout: edit the listeners,
     make your own admin token (edigate config hash-token) and partners, put the keys and
     certificates where it names them. docs/operations.md describes every element. -->")
string(REGEX REPLACE "<!-- The demo gateway:[^>]*-->" "${header}" gateway "${gateway}")
foreach(pair
    "var/certs/tls/server.pem|/etc/edigate/tls/server.pem"
    "var/certs/tls/server.key|/etc/edigate/tls/server.key"
    "var/certs/ca/ca.pem|/etc/edigate/tls/client-ca.pem"
    "var/certs/as2/our.key|/etc/edigate/as2/our.key"
    "var/certs/as2/our.pem|/etc/edigate/as2/our.pem"
    "var/edigate.db|/var/lib/edigate/edigate.db"
    "\"var/spool\"|\"/var/lib/edigate/spool\""
    "\"var/erp\"|\"/var/lib/edigate/erp\""
    "\"var/archive\"|\"/var/lib/edigate/archive\""
    "\"partners\"|\"/etc/edigate/partners\""
    "../../mappings/standard|${EDIGATE_DATADIR}/edigate/mappings/standard")
  string(REPLACE "|" ";" parts "${pair}")
  list(GET parts 0 from)
  list(GET parts 1 to)
  string(REPLACE "${from}" "${to}" gateway "${gateway}")
endforeach()
# The demo's tokens are public (their text is in the comments): the example refuses to load,
# at the token's line, until an operator puts a hash of their own there.
string(REGEX REPLACE "sha256=\"[0-9a-f]+\"" "sha256=\"PUT-THE-OUTPUT-OF-edigate-config-hash-token-HERE\""
       gateway "${gateway}")
string(REGEX REPLACE "<!-- The demo admin token is [^>]*-->"
       "<!-- Make a token: openssl rand -base64 32; its hash: edigate config hash-token. -->"
       gateway "${gateway}")
file(WRITE "${EDIGATE_OUT}/edigate.xml" "${gateway}")

file(READ "${EDIGATE_SOURCE}/gateway/demo/partners/demo-retailer.xml" partner)
string(REPLACE "../var/certs/partners/demo-retailer.pem" "/etc/edigate/partners/certs/demo-retailer.pem"
       partner "${partner}")
string(REPLACE "../../../mappings/partners/retailer"
       "${EDIGATE_DATADIR}/edigate/mappings/partners/retailer" partner "${partner}")
string(REGEX REPLACE "sha256=\"[0-9a-f]+\"" "sha256=\"PUT-THE-OUTPUT-OF-edigate-config-hash-token-HERE\""
       partner "${partner}")
string(REGEX REPLACE "<!-- The demo upload token is [^>]*-->"
       "<!-- The partner's upload token, hashed: edigate config hash-token. -->" partner "${partner}")
file(WRITE "${EDIGATE_OUT}/partners/demo-retailer.xml" "${partner}")
