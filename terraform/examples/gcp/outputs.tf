output "cluster_name" {
  description = "GKE cluster (gcloud container clusters get-credentials <this> --region <region>)."
  value       = module.cairn.cluster_name
}

output "kafka_bootstrap_servers" {
  description = "Managed Kafka bootstrap address the chart was installed with."
  value       = module.cairn.kafka_bootstrap_servers
}

output "release_status" {
  description = "Status of the Helm release."
  value       = helm_release.cairn.status
}
