output "cluster_name" {
  description = "GKE cluster name."
  value       = google_container_cluster.cairn.name
}

output "cluster_endpoint" {
  description = "GKE API server endpoint (https://...)."
  value       = "https://${google_container_cluster.cairn.endpoint}"
}

output "cluster_ca_certificate" {
  description = "Base64 CA certificate of the GKE API server."
  value       = google_container_cluster.cairn.master_auth[0].cluster_ca_certificate
}

output "network_cidr" {
  description = "Node subnet CIDR (with the private services range, the chart's networkPolicy.egress.to)."
  value       = var.subnet_cidr
}

output "kafka_bootstrap_servers" {
  description = "Bootstrap address of the Managed Service for Apache Kafka cluster (SASL_SSL on 9092)."
  value       = "bootstrap.${google_managed_kafka_cluster.cairn.cluster_id}.${var.region}.managedkafka.${var.project_id}.cloud.goog:9092"
}

output "kafka_security_values" {
  description = "The chart's kafka.security for this cluster: SASL_SSL, SASL/PLAIN with a service-account key, one Secret per principal (create them from kafka_credentials). Google's certificates are publicly signed: no trust store."
  value = {
    protocol       = "SASL_SSL"
    allowPlaintext = false
    sasl = {
      mechanism = "PLAIN"
      credentials = {
        ingest   = { name = "${var.name}-kafka-ingest", usernameKey = "username", passwordKey = "password" }
        identity = { name = "${var.name}-kafka-identity", usernameKey = "username", passwordKey = "password" }
        consent  = { name = "${var.name}-kafka-consent", usernameKey = "username", passwordKey = "password" }
        segments = { name = "${var.name}-kafka-segments", usernameKey = "username", passwordKey = "password" }
        topics   = { name = "${var.name}-kafka-topics", usernameKey = "username", passwordKey = "password" }
      }
    }
  }
}

output "kafka_credentials" {
  description = "SASL/PLAIN username (service-account email) and password (base64 key file) of each principal (ingest, identity, consent, segments, topics), for the Kubernetes Secrets kafka_security_values names."
  value = { for p in local.kafka_principals : p => {
    username = google_service_account.kafka[p].email
    password = google_service_account_key.kafka[p].private_key
  } }
  sensitive = true
}

output "kafka_service_accounts" {
  description = "Email of each principal's service account (the Kafka principal User:<email> for ACLs)."
  value       = { for p in local.kafka_principals : p => google_service_account.kafka[p].email }
}

output "redis_hosts" {
  description = "quarkus.redis.hosts for the chart."
  value       = "redis://${google_redis_instance.cairn.host}:${google_redis_instance.cairn.port}"
}

output "redis_password" {
  description = "Memorystore AUTH string."
  value       = google_redis_instance.cairn.auth_string
  sensitive   = true
}

output "postgres_host" {
  description = "Cloud SQL private IP (the chart's postgresql.host)."
  value       = google_sql_database_instance.cairn.private_ip_address
}

output "postgres_passwords" {
  description = "Password of each service's database user (cairn_identity, cairn_consent)."
  value       = { for k, v in random_password.service : k => v.result }
  sensitive   = true
}
