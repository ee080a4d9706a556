# Cairn's infrastructure on GCP: a VPC, GKE for the services, Managed Service for Apache Kafka, Memorystore for
# Redis and Cloud SQL for PostgreSQL, all on private addresses inside the network.

locals {
  labels = merge({ part-of = "cairn" }, var.labels)
  # One Kafka principal per service and one for the chart's topic Job (the chart's kafka.security.sasl.credentials
  # keys), so that ACLs can keep them apart.
  kafka_principals = ["ingest", "identity", "consent", "segments", "topics"]
}

resource "google_compute_network" "cairn" {
  project                 = var.project_id
  name                    = var.name
  auto_create_subnetworks = false
}

resource "google_compute_subnetwork" "cairn" {
  project                  = var.project_id
  name                     = var.name
  region                   = var.region
  network                  = google_compute_network.cairn.id
  ip_cidr_range            = var.subnet_cidr
  private_ip_google_access = true

  secondary_ip_range {
    range_name    = "pods"
    ip_cidr_range = var.pods_cidr
  }
  secondary_ip_range {
    range_name    = "services"
    ip_cidr_range = var.services_cidr
  }
}

# Cloud SQL and Memorystore reach the network through private services access.
resource "google_compute_global_address" "private_services" {
  project       = var.project_id
  name          = "${var.name}-private-services"
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = 20
  network       = google_compute_network.cairn.id
}

resource "google_service_networking_connection" "private_services" {
  network                 = google_compute_network.cairn.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]
}

resource "google_compute_router" "cairn" {
  project = var.project_id
  name    = var.name
  region  = var.region
  network = google_compute_network.cairn.id
}

# Private nodes pull images through Cloud NAT.
resource "google_compute_router_nat" "cairn" {
  project                            = var.project_id
  name                               = var.name
  router                             = google_compute_router.cairn.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
}

resource "google_container_cluster" "cairn" {
  project                  = var.project_id
  name                     = var.name
  location                 = var.region
  network                  = google_compute_network.cairn.id
  subnetwork               = google_compute_subnetwork.cairn.id
  remove_default_node_pool = true
  initial_node_count       = 1
  deletion_protection      = true
  resource_labels          = local.labels

  ip_allocation_policy {
    cluster_secondary_range_name  = "pods"
    services_secondary_range_name = "services"
  }

  private_cluster_config {
    enable_private_nodes    = true
    enable_private_endpoint = false
    master_ipv4_cidr_block  = "172.16.0.0/28"
  }

  # The chart's NetworkPolicies need an enforcing dataplane.
  datapath_provider = "ADVANCED_DATAPATH"

  release_channel {
    channel = "REGULAR"
  }
}

resource "google_container_node_pool" "cairn" {
  project  = var.project_id
  name     = "cairn"
  cluster  = google_container_cluster.cairn.id
  location = var.region

  autoscaling {
    min_node_count = var.node_count.min
    max_node_count = var.node_count.max
  }

  node_config {
    machine_type = var.node_machine_type
    labels       = local.labels
    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]
  }
}

resource "google_managed_kafka_cluster" "cairn" {
  project    = var.project_id
  cluster_id = var.name
  location   = var.region
  labels     = local.labels

  capacity_config {
    vcpu_count   = var.kafka_vcpus
    memory_bytes = var.kafka_memory_gib * 1024 * 1024 * 1024
  }

  gcp_config {
    access_config {
      network_configs {
        subnet = google_compute_subnetwork.cairn.id
      }
    }
  }
}

# Managed Service for Apache Kafka takes SASL_SSL only and authenticates Google principals. Each service, and the
# topic Job, is a service account of its own with the Managed Kafka client role and a key: clients log in with
# SASL/PLAIN, the account's email as username and the base64 key file as password (no extra library needed).
# OAUTHBEARER with Workload Identity would avoid the keys but needs Google's login callback handler in every
# client, which the images do not carry (README.md).
resource "google_service_account" "kafka" {
  for_each = toset(local.kafka_principals)

  project      = var.project_id
  account_id   = "${var.name}-kafka-${each.key}"
  display_name = "${var.name} ${each.key}: Kafka client"
}

resource "google_project_iam_member" "kafka_client" {
  for_each = toset(local.kafka_principals)

  project = var.project_id
  role    = "roles/managedkafka.client"
  member  = "serviceAccount:${google_service_account.kafka[each.key].email}"
}

resource "google_service_account_key" "kafka" {
  for_each = toset(local.kafka_principals)

  service_account_id = google_service_account.kafka[each.key].name
}

resource "google_redis_instance" "cairn" {
  project                 = var.project_id
  name                    = var.name
  region                  = var.region
  tier                    = "STANDARD_HA"
  memory_size_gb          = var.redis_memory_gb
  redis_version           = "REDIS_7_2"
  authorized_network      = google_compute_network.cairn.id
  connect_mode            = "PRIVATE_SERVICE_ACCESS"
  read_replicas_mode      = var.redis_read_replicas > 0 ? "READ_REPLICAS_ENABLED" : "READ_REPLICAS_DISABLED"
  replica_count           = var.redis_read_replicas > 0 ? var.redis_read_replicas : null
  auth_enabled            = true
  transit_encryption_mode = "DISABLED"
  labels                  = local.labels

  depends_on = [google_service_networking_connection.private_services]
}

resource "google_sql_database_instance" "cairn" {
  project             = var.project_id
  name                = var.name
  region              = var.region
  database_version    = var.postgres_version
  deletion_protection = true

  settings {
    tier              = var.postgres_tier
    availability_type = "REGIONAL"
    user_labels       = local.labels

    ip_configuration {
      ipv4_enabled    = false
      private_network = google_compute_network.cairn.id
    }

    backup_configuration {
      enabled                        = true
      point_in_time_recovery_enabled = true
    }
  }

  depends_on = [google_service_networking_connection.private_services]
}

# One database and user per service that keeps state in PostgreSQL (identity's log, consent's records).
resource "google_sql_database" "service" {
  for_each = toset(["identity", "consent"])

  project  = var.project_id
  instance = google_sql_database_instance.cairn.name
  name     = "cairn_${each.key}"
}

resource "random_password" "service" {
  for_each = toset(["identity", "consent"])

  length  = 32
  special = false
}

resource "google_sql_user" "service" {
  for_each = toset(["identity", "consent"])

  project  = var.project_id
  instance = google_sql_database_instance.cairn.name
  name     = "cairn_${each.key}"
  password = random_password.service[each.key].result
}
