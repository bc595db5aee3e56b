// Which vault URLs the client may call. Set by whoever runs the client (the
// platform admin, through the operator's flags), never by tenants: their
// SecretStores only choose a hostAPI, and that URL receives the store's
// client secret, so an unrestricted hostAPI would let a tenant send any
// Secret key of their namespace to a server of their own (DESIGN.md,
// "Tenants and trust").
#pragma once

#include <string>
#include <string_view>

#include "sealsync/error.h"
#include "sealsync/vault.h"

namespace sealsync::vault {

// kPermissionDenied unless `url` is https (or http to a host in
// policy.insecure_hosts) to a host in policy.allowed_hosts, with no user
// info. Hosts compare case-insensitively, without the port; "*" matches any
// host. The message names the host and the flag to change, never the path.
Result<void> CheckVaultUrl(const HostPolicy& policy, std::string_view url);

}  // namespace sealsync::vault
