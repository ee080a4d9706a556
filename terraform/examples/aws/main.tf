# Provisions Cairn's AWS infrastructure and installs helm/cairn from this repository into it.

provider "aws" {
  region = var.region
}

module "cairn" {
  source = "../../modules/aws"

  name               = "cairn"
  availability_zones = var.availability_zones
}

data "aws_eks_cluster_auth" "cairn" {
  name = module.cairn.cluster_name
}

provider "kubernetes" {
  host                   = module.cairn.cluster_endpoint
  cluster_ca_certificate = base64decode(module.cairn.cluster_certificate_authority_data)
  token                  = data.aws_eks_cluster_auth.cairn.token
}

provider "helm" {
  kubernetes {
    host                   = module.cairn.cluster_endpoint
    cluster_ca_certificate = base64decode(module.cairn.cluster_certificate_authority_data)
    token                  = data.aws_eks_cluster_auth.cairn.token
  }
}

resource "kubernetes_namespace" "cairn" {
  metadata {
    name = "cairn"
  }
}

# Keys that only Cairn uses are generated here and live in Terraform state and Kubernetes Secrets only.
resource "random_bytes" "pii_hmac" {
  length = 32
}

resource "random_password" "suppression" {
  length  = 43
  special = false
}

resource "random_password" "identity_hash" {
  length  = 43
  special = false
}

resource "random_password" "database" {
  for_each = toset(["identity", "consent"])
  length   = 32
  special  = false
}

resource "kubernetes_secret" "ingest" {
  metadata {
    name      = "cairn-ingest-secrets"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = {
    "write-keys.properties" = join("\n", [for key, source in var.write_keys : "${key}=${source}"])
    "pii-hmac.key"          = random_bytes.pii_hmac.base64
  }
}

resource "kubernetes_secret" "privacy" {
  metadata {
    name      = "cairn-privacy"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = { "suppression.key" = random_password.suppression.result }
}

resource "kubernetes_secret" "identity" {
  metadata {
    name      = "cairn-identity-secrets"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = { "hash-key" = random_password.identity_hash.result }
}

resource "kubernetes_secret" "consent" {
  metadata {
    name      = "cairn-consent-secrets"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = { "client-secret" = var.consent_client_secret }
}

resource "kubernetes_secret" "database" {
  for_each = random_password.database
  metadata {
    name      = "cairn-${each.key}-db"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = { password = each.value.result }
}

# One Kafka principal per service and one for the topic Job, in the Secrets the module's kafka_security_values
# names. (Keyed by the non-sensitive values: a sensitive map cannot drive for_each.)
resource "kubernetes_secret" "kafka" {
  for_each = module.cairn.kafka_security_values.sasl.credentials
  metadata {
    name      = each.value.name
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = {
    (each.value.usernameKey) = module.cairn.kafka_credentials[each.key].username
    (each.value.passwordKey) = module.cairn.kafka_credentials[each.key].password
  }
}

resource "kubernetes_secret" "redis" {
  metadata {
    name      = "cairn-redis"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = { password = module.cairn.redis_password }
}

resource "kubernetes_secret" "postgres_admin" {
  metadata {
    name      = "cairn-postgres-admin"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = { password = module.cairn.postgres_admin_password }
}

# RDS creates one database; identity and consent each get their own database and user, created from inside
# the cluster (RDS is reachable from the nodes only). Idempotent, so a re-apply is harmless.
resource "kubernetes_job_v1" "databases" {
  metadata {
    name      = "cairn-databases"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  spec {
    backoff_limit = 4
    template {
      metadata {}
      spec {
        restart_policy = "OnFailure"
        container {
          name    = "psql"
          image   = "postgres:16-alpine"
          command = ["/bin/sh", "-ec"]
          args = [<<-SCRIPT
            for s in identity consent; do
              pw=$(cat /secrets/$s/password)
              psql -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cairn_$s') THEN CREATE ROLE cairn_$s LOGIN; END IF; END \$\$;"
              psql -v ON_ERROR_STOP=1 -c "ALTER ROLE cairn_$s PASSWORD '$pw';"
              psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'cairn_$s'" | grep -q 1 || psql -c "CREATE DATABASE cairn_$s OWNER cairn_$s;"
            done
          SCRIPT
          ]
          env {
            name  = "PGHOST"
            value = module.cairn.postgres_host
          }
          env {
            name  = "PGUSER"
            value = module.cairn.postgres_admin_username
          }
          env {
            name  = "PGDATABASE"
            value = "cairn"
          }
          env {
            name  = "PGSSLMODE"
            value = "require"
          }
          env {
            name = "PGPASSWORD"
            value_from {
              secret_key_ref {
                name = kubernetes_secret.postgres_admin.metadata[0].name
                key  = "password"
              }
            }
          }
          volume_mount {
            name       = "identity"
            mount_path = "/secrets/identity"
          }
          volume_mount {
            name       = "consent"
            mount_path = "/secrets/consent"
          }
        }
        volume {
          name = "identity"
          secret {
            secret_name = kubernetes_secret.database["identity"].metadata[0].name
          }
        }
        volume {
          name = "consent"
          secret {
            secret_name = kubernetes_secret.database["consent"].metadata[0].name
          }
        }
      }
    }
  }
  wait_for_completion = true
}

resource "helm_release" "cairn" {
  name      = "cairn"
  namespace = kubernetes_namespace.cairn.metadata[0].name
  # The chart from this checkout (helm/cairn), not a published copy.
  chart = "${path.module}/../../../helm/cairn"

  # How the services, Kafka Streams and the topic Job connect: the module's kafka.security (SASL_SSL).
  values = [yamlencode({ kafka = { security = module.cairn.kafka_security_values } })]

  set {
    name  = "kafka.bootstrapServers"
    value = module.cairn.kafka_bootstrap_servers
  }
  # The topic Job adds ACLs per service principal; then set the module's kafka_enforce_acls = true.
  set {
    name  = "kafka.acls.create"
    value = "true"
  }
  set {
    name  = "redis.hosts"
    value = module.cairn.redis_hosts
  }
  set {
    name  = "redis.passwordSecret.name"
    value = kubernetes_secret.redis.metadata[0].name
  }
  set {
    name  = "postgresql.host"
    value = module.cairn.postgres_host
  }
  set {
    name  = "postgresql.sslMode"
    value = "require"
  }
  set {
    name  = "oidc.issuer"
    value = var.oidc_issuer
  }
  set {
    name  = "image.tag"
    value = var.image_tag
  }
  set {
    name  = "networkPolicy.egress.to[0].cidr"
    value = module.cairn.vpc_cidr
  }

  depends_on = [
    kubernetes_secret.ingest,
    kubernetes_secret.privacy,
    kubernetes_secret.identity,
    kubernetes_secret.consent,
    kubernetes_secret.database,
    kubernetes_secret.kafka,
    kubernetes_job_v1.databases,
  ]
}
