module sealsync.dev/bench/eso

go 1.26.8

require github.com/external-secrets/external-secrets v0.16.2

// As ESO's own go.mod (a dependency's replace directives do not apply to
// the module that requires it): its templates use its fork of sprig.
replace github.com/Masterminds/sprig/v3 => github.com/external-secrets/sprig/v3 v3.3.0
