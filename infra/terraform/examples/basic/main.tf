module "omnigraph" {
  source = "../../modules/omnigraph"

  name         = var.name
  architecture = var.architecture

  query_zip   = var.query_zip
  mutate_zip  = var.mutate_zip
  recover_zip = var.recover_zip
  code_bucket = var.code_bucket

  deletion_protection = var.deletion_protection
  force_destroy       = var.force_destroy

  enable_function_urls       = var.enable_function_urls
  enable_api_gateway         = var.enable_api_gateway
  enable_async_invoke_config = var.enable_async_invoke_config
  alarm_sns_topic_arn        = var.alarm_sns_topic_arn

  extra_environment = {
    RUST_LOG = "info"
  }
}
