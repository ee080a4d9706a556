variable "name" {
  type        = string
  description = "Name prefix of every resource (cluster, broker, cache, database)."
  default     = "cairn"
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR of the VPC; private subnets hold EKS nodes, MSK brokers, ElastiCache and RDS."
  default     = "10.20.0.0/16"
}

variable "availability_zones" {
  type        = list(string)
  description = "Three availability zones (MSK places one broker per zone)."
}

variable "kubernetes_version" {
  type        = string
  description = "EKS version; 1.27 or later (the chart uses gRPC probes)."
  default     = "1.31"
}

variable "node_instance_types" {
  type        = list(string)
  description = "Instance types of the EKS managed node group."
  default     = ["m6i.large"]
}

variable "node_count" {
  type = object({
    min     = number
    desired = number
    max     = number
  })
  description = "Size of the EKS managed node group."
  default     = { min = 3, desired = 3, max = 9 }
}

variable "kafka_version" {
  type        = string
  description = "MSK Kafka version."
  default     = "3.8.x"
}

variable "kafka_instance_type" {
  type        = string
  description = "MSK broker instance type."
  default     = "kafka.m7g.large"
}

variable "kafka_enforce_acls" {
  type        = bool
  description = "Set allow.everyone.if.no.acl.found=false on MSK. Leave false until the chart's topic Job has created the ACLs (kafka.acls.create) once."
  default     = false
}

variable "kafka_volume_size_gb" {
  type        = number
  description = "EBS storage per MSK broker, in GiB."
  default     = 500
}

variable "redis_node_type" {
  type        = string
  description = "ElastiCache node type."
  default     = "cache.r7g.large"
}

variable "redis_replicas" {
  type        = number
  description = "Read replicas per ElastiCache shard (Cairn serves reads from replicas)."
  default     = 1
}

variable "postgres_version" {
  type        = string
  description = "RDS PostgreSQL engine version."
  default     = "16.4"
}

variable "postgres_instance_class" {
  type        = string
  description = "RDS instance class."
  default     = "db.r7g.large"
}

variable "postgres_storage_gb" {
  type        = number
  description = "Allocated RDS storage, in GiB (autoscaling up to four times that)."
  default     = 100
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
