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
  description = "MSK plaintext bootstrap brokers (the chart's kafka.bootstrapServers)."
  value       = aws_msk_cluster.cairn.bootstrap_brokers
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
