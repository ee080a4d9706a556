variable "name" {
  type        = string
  description = "Name prefix of every resource (network, cluster, Kafka, Redis, Cloud SQL)."
  default     = "cairn"
}

variable "project_id" {
  type        = string
  description = "GCP project that holds everything."
}

variable "region" {
  type        = string
  description = "GCP region, e.g. europe-west1."
}

variable "subnet_cidr" {
  type        = string
  description = "Primary range of the subnet for GKE nodes and the Kafka cluster's endpoints."
  default     = "10.30.0.0/20"
}

variable "pods_cidr" {
  type        = string
  description = "Secondary range for GKE pods."
  default     = "10.40.0.0/14"
}

variable "services_cidr" {
  type        = string
  description = "Secondary range for GKE services."
  default     = "10.44.0.0/20"
}

variable "node_machine_type" {
  type        = string
  description = "Machine type of the GKE node pool."
  default     = "e2-standard-4"
}

variable "node_count" {
  type = object({
    min = number
    max = number
  })
  description = "Autoscaling bounds of the GKE node pool, per zone."
  default     = { min = 1, max = 3 }
}

variable "kafka_vcpus" {
  type        = number
  description = "vCPUs of the Managed Service for Apache Kafka cluster (3 or more)."
  default     = 3
}

variable "kafka_memory_gib" {
  type        = number
  description = "Memory of the Kafka cluster in GiB (1 to 8 GiB per vCPU)."
  default     = 12
}

variable "redis_memory_gb" {
  type        = number
  description = "Memorystore for Redis capacity in GB."
  default     = 5
}

variable "redis_read_replicas" {
  type        = number
  description = "Memorystore read replicas (Cairn serves reads from replicas)."
  default     = 1
}

variable "postgres_version" {
  type        = string
  description = "Cloud SQL database version."
  default     = "POSTGRES_16"
}

variable "postgres_tier" {
  type        = string
  description = "Cloud SQL machine tier."
  default     = "db-custom-2-7680"
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes them."
  default     = {}
}
