output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "EKS API server endpoint."
  value       = module.eks.cluster_endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA certificate of the EKS API server."
  value       = module.eks.cluster_certificate_authority_data
}

output "vpc_cidr" {
  description = "VPC CIDR (the chart's networkPolicy.egress.to)."
  value       = var.vpc_cidr
}

output "kafka_bootstrap_servers" {
  description = "MSK SASL/SCRAM (TLS, port 9096) bootstrap brokers: the chart's kafka.bootstrapServers."
  value       = aws_msk_cluster.cairn.bootstrap_brokers_sasl_scram
}

output "kafka_security_values" {
  description = "The chart's kafka.security for this cluster: SASL_SSL, SCRAM-SHA-512, one Secret per principal (create them from kafka_credentials). MSK's certificates are publicly signed: no trust store."
  value = {
    protocol       = "SASL_SSL"
    allowPlaintext = false
    sasl = {
      mechanism = "SCRAM-SHA-512"
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
  description = "SCRAM username and password of each principal (ingest, identity, consent, segments, topics), for the Kubernetes Secrets kafka_security_values names."
  value = { for p in local.kafka_principals : p => {
    username = "${var.name}-${p}"
    password = random_password.kafka[p].result
  } }
  sensitive = true
}

output "kafka_scram_secret_arns" {
  description = "Secrets Manager secret (AmazonMSK_*) of each principal, for syncing into Kubernetes with an operator instead of through Terraform state."
  value       = { for p in local.kafka_principals : p => aws_secretsmanager_secret.kafka[p].arn }
}

output "redis_hosts" {
  description = "quarkus.redis.hosts for the chart: rediss:// to the primary endpoint."
  value       = "rediss://${aws_elasticache_replication_group.cairn.primary_endpoint_address}:6379"
}

output "redis_password" {
  description = "ElastiCache AUTH token (store it in a Secret; the chart references it)."
  value       = random_password.redis.result
  sensitive   = true
}

output "postgres_host" {
  description = "RDS endpoint host (the chart's postgresql.host)."
  value       = aws_db_instance.cairn.address
}

output "postgres_admin_username" {
  description = "RDS master user, for creating the services' databases and users."
  value       = aws_db_instance.cairn.username
}

output "postgres_admin_password" {
  description = "RDS master password."
  value       = random_password.postgres.result
  sensitive   = true
}
