// Umbrella header: the whole ketasim C++ API.
#pragma once

#include "ketasim/error.hpp"
#include "ketasim/events.hpp"
#include "ketasim/exact.hpp"
#include "ketasim/model.hpp"
#include "ketasim/ode.hpp"
#include "ketasim/onset.hpp"
#include "ketasim/population.hpp"
#include "ketasim/regimen.hpp"
#include "ketasim/result.hpp"
#include "ketasim/simulate.hpp"
#include "ketasim/state_layout.hpp"
#include "ketasim/tci.hpp"
