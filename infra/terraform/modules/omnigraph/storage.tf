# ---------------------------------------------------------------------------------------------
# Graph bucket: Lance datasets, schemas and crash sidecars under <graph_prefix>/, load files
# under <incoming_prefix> (never written by the graph).
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "graph" {
  #checkov:skip=CKV_AWS_18:Server access logging needs a separate log bucket owned by the account's logging setup; CloudTrail data events are the recommended audit trail.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice of the deployer (it needs a second region and bucket), not a default.
  bucket        = var.bucket_name
  bucket_prefix = var.bucket_name == null ? "${var.name}-graph-" : null
  force_destroy = var.force_destroy
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = !startswith("${var.graph_prefix}/", var.incoming_prefix) && !startswith(var.incoming_prefix, "${var.graph_prefix}/")
      error_message = "incoming_prefix and graph_prefix overlap: a graph write could trigger an S3 load."
    }
  }
}

resource "aws_s3_bucket_public_access_block" "graph" {
  bucket                  = aws_s3_bucket.graph.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "graph" {
  bucket = aws_s3_bucket.graph.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

# Versioning gives every ObjectCreated event a version id, the idempotency key of S3 loads.
resource "aws_s3_bucket_versioning" "graph" {
  bucket = aws_s3_bucket.graph.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "graph" {
  bucket = aws_s3_bucket.graph.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "graph" {
  bucket = aws_s3_bucket.graph.id

  # One rule for the whole bucket: abort multipart uploads left by crashed writers and, since
  # GC deletes leave noncurrent versions and delete markers in a versioned bucket, expire them.
  rule {
    id     = "housekeeping"
    status = "Enabled"
    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }

    dynamic "noncurrent_version_expiration" {
      for_each = var.noncurrent_version_expiration_days == null ? [] : [var.noncurrent_version_expiration_days]
      content {
        noncurrent_days = noncurrent_version_expiration.value
      }
    }

    dynamic "expiration" {
      for_each = var.noncurrent_version_expiration_days == null ? [] : [true]
      content {
        expired_object_delete_marker = true
      }
    }
  }

  # Exports too large to answer inline are stored under <graph>/__exports/ and tagged
  # omnigraph-export=1 (shared/engine/src/export.rs); they expire after export_retention_days.
  rule {
    id     = "expire-exports"
    status = "Enabled"

    filter {
      tag {
        key   = "omnigraph-export"
        value = "1"
      }
    }

    expiration {
      days = var.export_retention_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.graph]
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.graph.arn,
      "${aws_s3_bucket.graph.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "graph" {
  bucket = aws_s3_bucket.graph.id
  policy = data.aws_iam_policy_document.bucket.json

  # A bucket policy put together with the public access block can race; order them.
  depends_on = [aws_s3_bucket_public_access_block.graph]
}

# ---------------------------------------------------------------------------------------------
# Manifest table: heads, commits, idempotency and audit records. The head CAS is a single-item
# conditional write; no GSI, no streams, no TTL needed.
# ---------------------------------------------------------------------------------------------

resource "aws_dynamodb_table" "manifest" {
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}
