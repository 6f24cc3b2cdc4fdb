//! Tests of the auth routes.

use crate::both;
use crate::helpers::*;
