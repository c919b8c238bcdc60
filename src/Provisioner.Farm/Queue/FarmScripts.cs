namespace Provisioner.Farm.Queue;

/// <summary>
/// The queue's state changes as Lua scripts: Redis runs each one atomically, so a task is always in
/// exactly one place (a queue, one worker's task list, done, or failed) whatever crashes when. Key
/// names follow <see cref="FarmKeys"/>. Times shown to people (taken, finished) come from the
/// caller's clock (ARGV); lease deadlines come from Redis's own clock (TIME), so a worker whose clock
/// runs ahead cannot expire everyone else's lease. Every operation costs the same whatever the farm's
/// size: nothing walks all workers or all tasks.
/// </summary>
internal static class FarmScripts
{
    /// <summary>Helpers every script below shares (Lua has no includes: they are prepended).</summary>
    private const string Helpers = """
        local function server_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        -- A task goes on its job's queue (by priority and pool), and the pool takes turns from now on.
        -- A priority from an older build that is no name (7) goes to normal, so nothing is stranded.
        local function enqueue(task, jkey, to_front)
          local priority = redis.call('HGET', jkey, 'priority')
          if priority ~= 'high' and priority ~= 'low' then priority = 'normal' end
          local pool = redis.call('HGET', jkey, 'pool')
          if not pool or pool == '' then pool = 'default' end
          local queue = 'farm:queue:' .. priority .. ':' .. pool
          if to_front then redis.call('LPUSH', queue, task) else redis.call('RPUSH', queue, task) end
          redis.call('ZADD', 'farm:pools:' .. priority, 'NX', 0, pool)
        end

        -- A task leaves its worker: the lease index and the job's running set forget it.
        local function let_go(task, job)
          redis.call('ZREM', 'farm:leases', task)
          if job then redis.call('SREM', 'farm:job:' .. job .. ':running', task) end
        end

        -- A task that ran out of attempts fails its job with the last error; otherwise it goes back
        -- to its queue (to the front when its worker died, so it is redone first; to the back after
        -- a render error, so another worker likely gets it).
        local function requeue_or_fail(task, error, now, to_front)
          local tkey = 'farm:task:' .. task
          local job = redis.call('HGET', tkey, 'job')
          let_go(task, job)
          local jkey = 'job:' .. job
          redis.call('HSET', tkey, 'last_error', error, 'worker', '')
          redis.call('HSET', jkey, 'last_error', error)
          local attempts = tonumber(redis.call('HGET', tkey, 'attempts') or '0')
          local max = tonumber(redis.call('HGET', jkey, 'max_attempts') or '3')
          local status = redis.call('HGET', jkey, 'status')
          if status ~= 'queued' and status ~= 'running' then
            redis.call('HSET', tkey, 'state', 'dropped')
            return 'dropped'
          end
          if attempts >= max then
            redis.call('HSET', tkey, 'state', 'failed')
            redis.call('HINCRBY', jkey, 'frames_failed', tonumber(redis.call('HGET', tkey, 'count')))
            redis.call('HSET', jkey, 'status', 'failed', 'finished_ms', now,
              'error', 'task ' .. task .. ' (frames ' .. redis.call('HGET', tkey, 'frames') .. ') failed ' .. attempts .. ' times; last error: ' .. error)
            return 'job-failed'
          end
          redis.call('HSET', tkey, 'state', 'queued')
          enqueue(task, jkey, to_front)
          return 'requeued'
        end

        -- What an attempt used, counted on its task and job whatever became of it (GPU time is paid
        -- for failed renders too): held ms, cost in millionths, GPU flags ('' or 'cpu-fallback,hot'),
        -- and the warning that explains them. One event per attempt on a capped stream: the service
        -- turns them into /metrics histograms. frames: the new frames' render ms, comma-separated.
        local function account(task, job, held_ms, cost, flags, warning, outcome, frames)
          local tkey, jkey = 'farm:task:' .. task, 'job:' .. job
          redis.call('HINCRBY', tkey, 'gpu_ms', held_ms)
          redis.call('HINCRBY', jkey, 'gpu_ms', held_ms)
          redis.call('HINCRBY', jkey, 'cost_micros', cost)
          if flags ~= '' then
            redis.call('HSET', tkey, 'gpu_flags', flags)
            redis.call('HSET', jkey, 'last_warning', warning)
            for flag in string.gmatch(flags, '[^,]+') do redis.call('HINCRBY', jkey, 'flagged_' .. flag, 1) end
          end
          redis.call('XADD', 'farm:events', 'MAXLEN', '~', 10000, '*', 'outcome', outcome, 'held_ms', held_ms, 'cost_micros', cost, 'flags', flags, 'frames', frames)
        end

        """;

    /// <summary>
    /// ARGV: worker, now, lease ms. Takes the first live task of the highest priority that has one;
    /// within a priority the pools take turns (the pool served longest ago first, a new pool at
    /// once). The task moves to the worker's list under a lease.
    /// </summary>
    public const string Take = Helpers + """
        local worker, now, lease_ms = ARGV[1], ARGV[2], tonumber(ARGV[3])
        local mine = 'farm:worker:' .. worker .. ':tasks'
        -- Known by name from its first take on (farm workers lists it), even if it dies before its first heartbeat.
        redis.call('SADD', 'farm:workers', worker)
        -- A take is a sign of life: a worker whose tasks end before their first lease renewal
        -- (a sixth of the lease) never heartbeats while busy, and would show lost.
        redis.call('HSET', 'farm:worker:' .. worker, 'heartbeat_ms', now)
        -- Drained (provision farm drain): no new task until undrained.
        if redis.call('HGET', 'farm:worker:' .. worker, 'draining') == '1' then return false end
        for _, priority in ipairs({'high', 'normal', 'low'}) do
          local pools = 'farm:pools:' .. priority
          while true do
            local first = redis.call('ZRANGE', pools, 0, 0)
            if #first == 0 then break end
            local pool = first[1]
            local task = redis.call('LMOVE', 'farm:queue:' .. priority .. ':' .. pool, mine, 'LEFT', 'RIGHT')
            if not task then
              redis.call('ZREM', pools, pool)
            else
              -- Served: this pool goes to the back of the line.
              redis.call('ZADD', pools, redis.call('INCR', 'farm:turn'), pool)
              local tkey = 'farm:task:' .. task
              local job = redis.call('HGET', tkey, 'job')
              local status = job and redis.call('HGET', 'job:' .. job, 'status')
              if status == 'queued' or status == 'running' then
                local jkey = 'job:' .. job
                redis.call('ZADD', 'farm:leases', server_ms() + lease_ms, task)
                redis.call('SADD', 'farm:job:' .. job .. ':running', task)
                local attempts = redis.call('HINCRBY', tkey, 'attempts', 1)
                redis.call('HSET', tkey, 'state', 'running', 'worker', worker, 'taken_ms', now)
                if status == 'queued' then redis.call('HSET', jkey, 'status', 'running', 'started_ms', now) end
                redis.call('HSET', 'farm:worker:' .. worker, 'task', task, 'task_ms', now, 'state', 'rendering')
                return {task, job, redis.call('HGET', tkey, 'frames'), attempts, redis.call('HGET', jkey, 'spec')}
              end
              -- The job was cancelled or failed meanwhile (or the task is unknown): drop the task.
              redis.call('LREM', mine, 1, task)
              if job then redis.call('HSET', tkey, 'state', 'dropped') end
            end
          end
        end
        return false
        """;

    /// <summary>
    /// ARGV: worker, now, lease ms, task ('' when idle), gpu, host, then pairs (field, value) the
    /// worker reports about itself (its GPU telemetry and rate, <see cref="WorkerField"/>). Says ok,
    /// idle, lost (the lease is gone) or cancelled (the job ended).
    /// </summary>
    public const string Heartbeat = Helpers + """
        local worker, now, lease_ms, task = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
        redis.call('SADD', 'farm:workers', worker)
        redis.call('HSET', 'farm:worker:' .. worker, 'heartbeat_ms', now, 'gpu', ARGV[5], 'host', ARGV[6])
        for i = 7, #ARGV, 2 do redis.call('HSET', 'farm:worker:' .. worker, ARGV[i], ARGV[i + 1]) end
        if task == '' then
          redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle')
          return 'idle'
        end
        local tkey = 'farm:task:' .. task
        local deadline = redis.call('ZSCORE', 'farm:leases', task)
        local server_now = server_ms()
        if not deadline or tonumber(deadline) < server_now or redis.call('HGET', tkey, 'worker') ~= worker then return 'lost' end
        local status = redis.call('HGET', 'job:' .. redis.call('HGET', tkey, 'job'), 'status')
        if status ~= 'queued' and status ~= 'running' then return 'cancelled' end
        redis.call('ZADD', 'farm:leases', 'XX', server_now + lease_ms, task)
        return 'ok'
        """;

    /// <summary>
    /// ARGV: worker, now, task, scene sha256 ('' if none), held ms, cost, flags, warning (see
    /// account), then pairs (frame, ms). Accepted only
    /// while the task is still the worker's (a reaped task is someone else's now). Each frame is
    /// recorded once, whoever renders it. Running it again (after a failover, or a retried call)
    /// says done again and counts nothing twice.
    /// </summary>
    public const string Complete = Helpers + """
        local worker, now, task, scene = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        local first = 9
        local tkey = 'farm:task:' .. task
        if redis.call('LREM', 'farm:worker:' .. worker .. ':tasks', 1, task) == 0 then
          if redis.call('HGET', tkey, 'state') == 'done' and redis.call('HGET', tkey, 'worker') == worker then return {'done', 0} end
          return {'lost', 0}
        end
        local job = redis.call('HGET', tkey, 'job')
        let_go(task, job)
        local jkey = 'job:' .. job
        redis.call('HSET', tkey, 'state', 'done', 'worker', worker, 'done_ms', now)
        local new, total_ms, new_ms = 0, 0, {}
        for i = first, #ARGV, 2 do
          local added = redis.call('HSETNX', 'job:' .. job .. ':frames', ARGV[i], ARGV[i + 1] .. '|' .. worker)
          if added == 1 then new_ms[#new_ms + 1] = ARGV[i + 1] end
          new = new + added
          total_ms = total_ms + tonumber(ARGV[i + 1])
        end
        account(task, job, tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8], 'done', table.concat(new_ms, ','))
        local done = redis.call('HINCRBY', jkey, 'frames_done', new)
        local tasks_done = redis.call('HINCRBY', jkey, 'tasks_done', 1)
        local frames_total = tonumber(redis.call('HGET', jkey, 'frames_total'))
        redis.call('HSET', jkey, 'progress', math.floor(done * 100 / frames_total))
        if tasks_done >= tonumber(redis.call('HGET', jkey, 'tasks_total')) and redis.call('HGET', jkey, 'status') == 'running' then
          redis.call('HSET', jkey, 'status', 'done', 'finished_ms', now)
        end
        local rendered = (#ARGV - first + 1) / 2
        if scene ~= '' and rendered > 0 then
          redis.call('HINCRBY', 'farm:scene:' .. scene, 'ms', total_ms)
          redis.call('HINCRBY', 'farm:scene:' .. scene, 'frames', rendered)
        end
        redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle', 'last_task', task)
        redis.call('HINCRBY', 'farm:worker:' .. worker, 'frames', rendered)
        return {'done', new}
        """;

    /// <summary>ARGV: worker, now, task, error, held ms, cost, flags, warning (see account). A failed attempt: requeued, or the job fails when the task ran out of attempts.</summary>
    public const string Fail = Helpers + """
        local worker, now, task, error = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
        if redis.call('LREM', 'farm:worker:' .. worker .. ':tasks', 1, task) == 0 then return 'lost' end
        account(task, redis.call('HGET', 'farm:task:' .. task, 'job'), tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], ARGV[8], 'failed', '')
        redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle', 'last_error', error)
        return requeue_or_fail(task, error, now, false)
        """;

    /// <summary>
    /// ARGV: worker, task, held ms, cost, flags, warning (see account). Gives a task back without counting an attempt (the worker is stopping,
    /// or the job was cancelled under it).
    /// </summary>
    public const string Release = Helpers + """
        local worker, task = ARGV[1], ARGV[2]
        if redis.call('LREM', 'farm:worker:' .. worker .. ':tasks', 1, task) == 0 then return 'lost' end
        redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'idle')
        local tkey = 'farm:task:' .. task
        redis.call('HINCRBY', tkey, 'attempts', -1)
        local job = redis.call('HGET', tkey, 'job')
        account(task, job, tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], ARGV[6], 'released', '')
        let_go(task, job)
        local jkey = 'job:' .. job
        local status = redis.call('HGET', jkey, 'status')
        if status ~= 'queued' and status ~= 'running' then
          redis.call('HSET', tkey, 'state', 'dropped', 'worker', '')
          return 'dropped'
        end
        redis.call('HSET', tkey, 'state', 'queued', 'worker', '')
        enqueue(task, jkey, true)
        return 'requeued'
        """;

    /// <summary>
    /// ARGV: now, holder, hold ms, limit. Requeues (or fails) the tasks whose lease deadline passed,
    /// read from the lease index: the cost is the number of expired tasks, not workers × tasks.
    /// With a holder, one reaper acts per hold period farm-wide (a SET NX PX lock; any worker may
    /// win it) and -1 says another one had its turn. At most limit tasks per run; the next run goes on.
    /// </summary>
    public const string Reap = Helpers + """
        local now, holder, hold_ms, limit = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
        if holder ~= '' and not redis.call('SET', 'farm:reaper', holder, 'NX', 'PX', hold_ms) then return -1 end
        local reaped = 0
        for _, task in ipairs(redis.call('ZRANGEBYSCORE', 'farm:leases', '-inf', server_ms(), 'LIMIT', 0, limit)) do
          local tkey = 'farm:task:' .. task
          local worker = redis.call('HGET', tkey, 'worker')
          if worker and worker ~= '' then
            redis.call('LREM', 'farm:worker:' .. worker .. ':tasks', 1, task)
            if redis.call('HGET', 'farm:worker:' .. worker, 'task') == task then
              redis.call('HSET', 'farm:worker:' .. worker, 'task', '', 'state', 'lost')
            end
          end
          if redis.call('HGET', tkey, 'job') then
            requeue_or_fail(task, 'lease expired: worker ' .. (worker or '?') .. ' stopped renewing it (killed, hung or cut off)', now, true)
          else
            redis.call('ZREM', 'farm:leases', task)
          end
          reaped = reaped + 1
        end
        return reaped
        """;

    /// <summary>ARGV: job, now. Marks the job cancelled; queued tasks are dropped when taken, running ones stop at their next heartbeat.</summary>
    public const string Cancel = """
        local jkey = 'job:' .. ARGV[1]
        local status = redis.call('HGET', jkey, 'status')
        if not status then return 'unknown' end
        if status ~= 'queued' and status ~= 'running' then return status end
        redis.call('HSET', jkey, 'status', 'cancelled', 'finished_ms', ARGV[2])
        return 'cancelled'
        """;

    /// <summary>
    /// ARGV: job. A failed or cancelled job runs again: its tasks that did not finish get fresh
    /// attempts and go back to their queue (tasks still queued stay where they are). Done frames stay done.
    /// Returns {'retried', tasks requeued}, or {status, 0} for a job that is not failed or cancelled
    /// ('queued' among them: a job queued already is not retried), or {'unknown', 0}.
    /// </summary>
    public const string Retry = Helpers + """
        local job = ARGV[1]
        local jkey = 'job:' .. job
        local status = redis.call('HGET', jkey, 'status')
        if not status then return {'unknown', 0} end
        if status ~= 'failed' and status ~= 'cancelled' then return {status, 0} end
        local requeued = 0
        for _, task in ipairs(redis.call('LRANGE', 'farm:job:' .. job .. ':tasks', 0, -1)) do
          local tkey = 'farm:task:' .. task
          local state = redis.call('HGET', tkey, 'state')
          if state == 'failed' or state == 'dropped' then
            redis.call('HSET', tkey, 'state', 'queued', 'attempts', 0, 'last_error', '')
            enqueue(task, jkey, false)
            requeued = requeued + 1
          elseif state == 'queued' or state == 'running' then
            redis.call('HSET', tkey, 'attempts', 0)
          end
        end
        redis.call('HSET', jkey, 'status', 'queued', 'error', '', 'frames_failed', 0, 'finished_ms', '')
        return {'retried', requeued}
        """;

    /// <summary>
    /// ARGV: job, priority (high, normal, low), the spec with that priority. A queued or running job
    /// moves to another priority: its queued tasks leave the old queue for the new one (in their
    /// order), and tasks a worker holds go to the new queue if they are ever requeued. The cost is
    /// the job's queued tasks times the old queue's length (LREM), bounded by the job, not the farm.
    /// Returns {'changed', tasks moved}, {'unchanged', 0}, {status, 0} for a finished job, or {'unknown', 0}.
    /// </summary>
    public const string Reprioritize = Helpers + """
        local job, new_priority, spec = ARGV[1], ARGV[2], ARGV[3]
        local jkey = 'job:' .. job
        local status = redis.call('HGET', jkey, 'status')
        if not status then return {'unknown', 0} end
        if status ~= 'queued' and status ~= 'running' then return {status, 0} end
        local old = redis.call('HGET', jkey, 'priority')
        if old ~= 'high' and old ~= 'low' then old = 'normal' end
        if old == new_priority then return {'unchanged', 0} end
        local pool = redis.call('HGET', jkey, 'pool')
        if not pool or pool == '' then pool = 'default' end
        local from = 'farm:queue:' .. old .. ':' .. pool
        redis.call('HSET', jkey, 'priority', new_priority, 'spec', spec)
        local moved = 0
        for _, task in ipairs(redis.call('LRANGE', 'farm:job:' .. job .. ':tasks', 0, -1)) do
          if redis.call('HGET', 'farm:task:' .. task, 'state') == 'queued' and redis.call('LREM', from, 1, task) > 0 then
            enqueue(task, jkey, false)
            moved = moved + 1
          end
        end
        return {'changed', moved}
        """;

    /// <summary>
    /// ARGV: worker, on ('1' drain, '' undrain). A draining worker finishes the task it holds and
    /// takes no other (Take refuses it) until undrained; it goes on beating, so it is not lost.
    /// Returns 'draining', 'undrained' or 'unknown'.
    /// </summary>
    public const string Drain = """
        local worker, on = ARGV[1], ARGV[2]
        if redis.call('SISMEMBER', 'farm:workers', worker) == 0 then return 'unknown' end
        if on == '1' then
          redis.call('HSET', 'farm:worker:' .. worker, 'draining', '1')
          return 'draining'
        end
        redis.call('HDEL', 'farm:worker:' .. worker, 'draining')
        return 'undrained'
        """;

    /// <summary>
    /// ARGV: worker, now, silent ms. Forgets a worker that stopped beating: gone from `farm workers`
    /// and /metrics. Refused while it beats (it would only come back) or while it holds a task (the
    /// reaper requeues that task when its lease runs out; forget it after). Seed jobs it was taking
    /// in go back to the seed queue. Returns 'forgotten', 'alive', 'holding' or 'unknown'.
    /// </summary>
    public const string Forget = """
        local worker, now, silent_ms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
        if redis.call('SISMEMBER', 'farm:workers', worker) == 0 then return 'unknown' end
        local wkey = 'farm:worker:' .. worker
        local beat = tonumber(redis.call('HGET', wkey, 'heartbeat_ms') or '0')
        if now - beat <= silent_ms then return 'alive' end
        if redis.call('LLEN', wkey .. ':tasks') > 0 then return 'holding' end
        while redis.call('LMOVE', wkey .. ':intake', 'queue:blender', 'RIGHT', 'LEFT') do end
        redis.call('SREM', 'farm:workers', worker)
        redis.call('DEL', wkey, wkey .. ':tasks', wkey .. ':intake')
        return 'forgotten'
        """;

    /// <summary>
    /// ARGV: none. A task in a worker's list but not in the lease index was taken by a build
    /// before the index (its lease a key farm:lease:TASK): index it with that key's deadline, or
    /// due now when the key is gone, and list it as running, so the reaper sees it. Returns how many.
    /// </summary>
    public const string IndexOldLeases = Helpers + """
        local indexed = 0
        local now_ms = server_ms()
        for _, worker in ipairs(redis.call('SMEMBERS', 'farm:workers')) do
          for _, task in ipairs(redis.call('LRANGE', 'farm:worker:' .. worker .. ':tasks', 0, -1)) do
            if not redis.call('ZSCORE', 'farm:leases', task) then
              local left = redis.call('PTTL', 'farm:lease:' .. task)
              redis.call('ZADD', 'farm:leases', now_ms + math.max(left, 0), task)
              local job = redis.call('HGET', 'farm:task:' .. task, 'job')
              if job then redis.call('SADD', 'farm:job:' .. job .. ':running', task) end
              indexed = indexed + 1
            end
          end
        end
        return indexed
        """;

    /// <summary>
    /// ARGV: key. Moves the tasks of a list no worker reads (farm:queue:7 from a numeric priority,
    /// farm:queue:normal from a build without pools) onto their job's queue, at most 1000 per run.
    /// Returns how many moved.
    /// </summary>
    public const string Adopt = Helpers + """
        local key = ARGV[1]
        local moved = 0
        while moved < 1000 do
          local task = redis.call('LPOP', key)
          if not task then break end
          local job = redis.call('HGET', 'farm:task:' .. task, 'job')
          if job then
            enqueue(task, 'job:' .. job, false)
            moved = moved + 1
          end
        end
        return moved
        """;
}
