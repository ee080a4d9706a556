# Provisions Cairn's GCP infrastructure and installs helm/cairn from this repository into it. Kafka: SASL_SSL with
# SASL/PLAIN, one Google service account (and key) per service, as the module explains.

provider "google" {
  project = var.project_id
  region  = var.region
}

module "cairn" {
  source = "../../modules/gcp"

  name       = "cairn"
  project_id = var.project_id
  region     = var.region
}

data "google_client_config" "current" {}

provider "kubernetes" {
  host                   = module.cairn.cluster_endpoint
  cluster_ca_certificate = base64decode(module.cairn.cluster_ca_certificate)
  token                  = data.google_client_config.current.access_token
}

provider "helm" {
  kubernetes {
    host                   = module.cairn.cluster_endpoint
    cluster_ca_certificate = base64decode(module.cairn.cluster_ca_certificate)
    token                  = data.google_client_config.current.access_token
  }
}

resource "kubernetes_namespace" "cairn" {
  metadata {
    name = "cairn"
  }
}

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

# The module creates cairn_identity and cairn_consent (databases and users) in Cloud SQL.
resource "kubernetes_secret" "database" {
  for_each = toset(["identity", "consent"])
  metadata {
    name      = "cairn-${each.key}-db"
    namespace = kubernetes_namespace.cairn.metadata[0].name
  }
  data = { password = module.cairn.postgres_passwords[each.key] }
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

resource "helm_release" "cairn" {
  name      = "cairn"
  namespace = kubernetes_namespace.cairn.metadata[0].name
  chart     = "${path.module}/../../../helm/cairn"

  # How the services, Kafka Streams and the topic Job connect: the module's kafka.security (SASL_SSL).
  values = [yamlencode({ kafka = { security = module.cairn.kafka_security_values } })]

  set {
    name  = "kafka.bootstrapServers"
    value = module.cairn.kafka_bootstrap_servers
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
    name  = "oidc.issuer"
    value = var.oidc_issuer
  }
  set {
    name  = "image.tag"
    value = var.image_tag
  }
  set {
    name  = "networkPolicy.egress.to[0].cidr"
    value = "10.0.0.0/8"
  }

  depends_on = [
    kubernetes_secret.ingest,
    kubernetes_secret.privacy,
    kubernetes_secret.identity,
    kubernetes_secret.consent,
    kubernetes_secret.database,
    kubernetes_secret.kafka,
  ]
}
