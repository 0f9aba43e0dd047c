variable "cluster_name" {
  type = string
}

variable "cluster_endpoint" {
  type = string
}

variable "nodes" {
  description = "Control planes: name -> IP."
  type        = map(string)
}

variable "talos_version" {
  type = string
}

variable "kubernetes_version" {
  type = string
}

variable "python" {
  type = string
}

variable "hook_module" {
  type = string
}
