#!/bin/sh
cat > /etc/app/key.pem <<'EOF'
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIFpf2CXs6v4q7Mu3wXbEJmef8LBQyGUj571Y4WZ35B/9
-----END PRIVATE KEY-----
EOF
