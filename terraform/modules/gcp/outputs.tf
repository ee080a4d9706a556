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
