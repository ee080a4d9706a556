# Cairn's infrastructure on AWS: a VPC, EKS for the services, MSK (Kafka), ElastiCache (Redis) and RDS
# (PostgreSQL), all in the VPC's private subnets and reachable only from the cluster's nodes.

locals {
  tags = merge({ "app.kubernetes.io/part-of" = "cairn" }, var.tags)
  # One Kafka principal per service and one for the chart's topic Job (the chart's kafka.security.sasl.credentials
  # keys), so that ACLs can keep them apart.
  kafka_principals = ["ingest", "identity", "consent", "segments", "topics"]
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 5.13"

  name            = var.name
  cidr            = var.vpc_cidr
  azs             = var.availability_zones
  private_subnets = [for i, _ in var.availability_zones : cidrsubnet(var.vpc_cidr, 4, i)]
  public_subnets  = [for i, _ in var.availability_zones : cidrsubnet(var.vpc_cidr, 8, 200 + i)]

  enable_nat_gateway   = true
  single_nat_gateway   = false
  enable_dns_hostnames = true

  # Load balancers for the ingest service (internal by default) find their subnets by these tags.
  private_subnet_tags = { "kubernetes.io/role/internal-elb" = 1 }
  public_subnet_tags  = { "kubernetes.io/role/elb" = 1 }
  tags                = local.tags
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 20.24"

  cluster_name                             = var.name
  cluster_version                          = var.kubernetes_version
  vpc_id                                   = module.vpc.vpc_id
  subnet_ids                               = module.vpc.private_subnets
  cluster_endpoint_public_access           = true
  enable_cluster_creator_admin_permissions = true

  eks_managed_node_groups = {
    cairn = {
      instance_types = var.node_instance_types
      min_size       = var.node_count.min
      desired_size   = var.node_count.desired
      max_size       = var.node_count.max
    }
  }
  tags = local.tags
}

# Data stores accept connections from the EKS nodes only.
resource "aws_security_group" "data" {
  name_prefix = "${var.name}-data-"
  description = "Kafka, Redis and PostgreSQL for Cairn: reachable from the EKS nodes"
  vpc_id      = module.vpc.vpc_id
  tags        = local.tags

  ingress {
    description     = "Kafka (9096 SASL/SCRAM over TLS), Redis, PostgreSQL from the nodes"
    from_port       = 0
    to_port         = 65535
    protocol        = "tcp"
    security_groups = [module.eks.node_security_group_id]
  }

  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
}

resource "aws_msk_configuration" "cairn" {
  name           = "${var.name}-kafka"
  kafka_versions = [var.kafka_version]
  # Topics come from the chart's Job (contracts/topics.yaml), never from a client's first use.
  # allow.everyone.if.no.acl.found: the chart creates no ACLs yet, so enforcing them would lock every service out.
  server_properties = <<-PROPERTIES
    auto.create.topics.enable=false
    allow.everyone.if.no.acl.found=${var.kafka_enforce_acls ? "false" : "true"}
    default.replication.factor=3
    min.insync.replicas=2
    transaction.state.log.replication.factor=3
    transaction.state.log.min.isr=2
  PROPERTIES
}

resource "aws_msk_cluster" "cairn" {
  cluster_name           = var.name
  kafka_version          = var.kafka_version
  number_of_broker_nodes = length(var.availability_zones)

  broker_node_group_info {
    instance_type   = var.kafka_instance_type
    client_subnets  = module.vpc.private_subnets
    security_groups = [aws_security_group.data.id]
    storage_info {
      ebs_storage_info {
        volume_size = var.kafka_volume_size_gb
      }
    }
  }

  configuration_info {
    arn      = aws_msk_configuration.cairn.arn
    revision = aws_msk_configuration.cairn.latest_revision
  }

  # Clients authenticate with SASL/SCRAM (one principal per service, below) over TLS; no plaintext listener and no
  # unauthenticated access. IAM access control is not enabled: it needs aws-msk-iam-auth in the images.
  client_authentication {
    sasl {
      scram = true
    }
    unauthenticated = false
  }

  encryption_info {
    encryption_in_transit {
      client_broker = "TLS"
      in_cluster    = true
    }
  }
  tags = local.tags
}

# SASL/SCRAM credentials: MSK reads them from Secrets Manager secrets whose names start with AmazonMSK_, encrypted
# with a customer-managed KMS key (MSK cannot use the default aws/secretsmanager key), one secret per principal.
resource "aws_kms_key" "kafka_scram" {
  description             = "${var.name}: MSK SASL/SCRAM credentials in Secrets Manager"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  tags                    = local.tags
}

resource "aws_kms_alias" "kafka_scram" {
  name          = "alias/${var.name}-msk-scram"
  target_key_id = aws_kms_key.kafka_scram.key_id
}

resource "random_password" "kafka" {
  for_each = toset(local.kafka_principals)

  # Letters and digits only: the chart places the password inside a JAAS line.
  length  = 32
  special = false
}

resource "aws_secretsmanager_secret" "kafka" {
  for_each = toset(local.kafka_principals)

  name       = "AmazonMSK_${var.name}_${each.key}"
  kms_key_id = aws_kms_key.kafka_scram.arn
  tags       = local.tags
}

resource "aws_secretsmanager_secret_version" "kafka" {
  for_each = toset(local.kafka_principals)

  secret_id = aws_secretsmanager_secret.kafka[each.key].id
  secret_string = jsonencode({
    username = "${var.name}-${each.key}"
    password = random_password.kafka[each.key].result
  })
}

# MSK reads the secrets it is associated with.
data "aws_iam_policy_document" "kafka_scram" {
  for_each = toset(local.kafka_principals)

  statement {
    sid       = "AWSKafkaResourcePolicy"
    effect    = "Allow"
    actions   = ["secretsmanager:getSecretValue"]
    resources = [aws_secretsmanager_secret.kafka[each.key].arn]

    principals {
      type        = "Service"
      identifiers = ["kafka.amazonaws.com"]
    }
  }
}

resource "aws_secretsmanager_secret_policy" "kafka" {
  for_each = toset(local.kafka_principals)

  secret_arn = aws_secretsmanager_secret.kafka[each.key].arn
  policy     = data.aws_iam_policy_document.kafka_scram[each.key].json
}

resource "aws_msk_scram_secret_association" "cairn" {
  cluster_arn     = aws_msk_cluster.cairn.arn
  secret_arn_list = [for p in local.kafka_principals : aws_secretsmanager_secret.kafka[p].arn]

  depends_on = [aws_secretsmanager_secret_version.kafka, aws_secretsmanager_secret_policy.kafka]
}

resource "aws_elasticache_subnet_group" "cairn" {
  name       = var.name
  subnet_ids = module.vpc.private_subnets
}

resource "random_password" "redis" {
  length  = 32
  special = false
}

resource "aws_elasticache_replication_group" "cairn" {
  replication_group_id       = var.name
  description                = "Cairn: ingest dedup, identity serving graph, segment memberships"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.redis_node_type
  num_cache_clusters         = 1 + var.redis_replicas
  automatic_failover_enabled = var.redis_replicas > 0
  multi_az_enabled           = var.redis_replicas > 0
  subnet_group_name          = aws_elasticache_subnet_group.cairn.name
  security_group_ids         = [aws_security_group.data.id]
  transit_encryption_enabled = true
  at_rest_encryption_enabled = true
  auth_token                 = random_password.redis.result
  tags                       = local.tags
}

resource "aws_db_subnet_group" "cairn" {
  name       = var.name
  subnet_ids = module.vpc.private_subnets
}

resource "random_password" "postgres" {
  length  = 32
  special = false
}

# One instance; identity and consent each get a database and user (created by the example's bootstrap step).
resource "aws_db_instance" "cairn" {
  identifier                = var.name
  engine                    = "postgres"
  engine_version            = var.postgres_version
  instance_class            = var.postgres_instance_class
  allocated_storage         = var.postgres_storage_gb
  max_allocated_storage     = var.postgres_storage_gb * 4
  storage_encrypted         = true
  multi_az                  = true
  db_name                   = "cairn"
  username                  = "cairn_admin"
  password                  = random_password.postgres.result
  db_subnet_group_name      = aws_db_subnet_group.cairn.name
  vpc_security_group_ids    = [aws_security_group.data.id]
  backup_retention_period   = 7
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"
  tags                      = local.tags
}
