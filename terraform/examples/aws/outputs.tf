output "cluster_name" {
  description = "EKS cluster (aws eks update-kubeconfig --name <this>)."
  value       = module.cairn.cluster_name
}

output "kafka_bootstrap_servers" {
  description = "MSK bootstrap brokers the chart was installed with."
  value       = module.cairn.kafka_bootstrap_servers
}

output "postgres_host" {
  description = "RDS endpoint; create cairn_identity and cairn_consent here (README.md)."
  value       = module.cairn.postgres_host
}

output "release_status" {
  description = "Status of the Helm release."
  value       = helm_release.cairn.status
}
